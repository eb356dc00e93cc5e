// Builds the web console into console/dist, the directory wrangler serves as
// static assets ([assets] in wrangler.toml): the TypeScript bundled and
// minified by esbuild, next to the page, its stylesheet and its headers.
//
// `node console/build.mjs` takes well under a second, so every build runs it.

import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "dist");

// Empties dist rather than removing it: a running `wrangler dev` watches the
// directory itself and stops serving assets when it is replaced.
mkdirSync(dist, { recursive: true });
for (const entry of readdirSync(dist)) {
  rmSync(join(dist, entry), { recursive: true, force: true });
}

await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(dist, "app.js"),
  bundle: true,
  minify: true,
  sourcemap: "linked",
  format: "esm",
  target: "es2022",
  logLevel: "warning",
});

for (const file of ["index.html", "style.css", "_headers"]) {
  copyFileSync(join(here, file), join(dist, file));
}
