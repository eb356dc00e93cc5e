// Hash routes (#/dashboards/…), so the Worker serves one page for all of
// them. Each route names its view and its section of the navigation; the
// router draws the page for the current hash whenever it or the session
// changes, and sends people to sign in (or away from it) as needed.

import { StaleResponse } from "./api";
import { h, replace } from "./dom";
import { describe } from "./forms";
import { Screen } from "./screen";
import { ensureSession, onSessionChange, type Session } from "./session";
import { header } from "./shell";
import { signInView, signUpView } from "./views/auth";
import { automationsView } from "./views/automations";
import { dashboardView } from "./views/dashboard";
import { dashboardsView } from "./views/dashboards";
import { datasetView } from "./views/dataset";
import { datasetsView } from "./views/datasets";
import { organizationView } from "./views/organization";

export type Section = "dashboards" | "datasets" | "automations" | "organization";
type View = (screen: Screen, ...params: string[]) => Promise<void>;

interface Route {
  pattern: RegExp;
  view: View;
  /** Null for the sign-in and sign-up screens, which need no session. */
  section: Section | null;
  /** Whether the view reads the active organization's records. */
  needsOrganization: boolean;
}

const ROUTES: Route[] = [
  { pattern: /^\/sign-in$/, view: signInView, section: null, needsOrganization: false },
  { pattern: /^\/sign-up$/, view: signUpView, section: null, needsOrganization: false },
  { pattern: /^\/dashboards$/, view: dashboardsView, section: "dashboards", needsOrganization: true },
  { pattern: /^\/dashboards\/([^/]+)$/, view: dashboardView, section: "dashboards", needsOrganization: true },
  { pattern: /^\/datasets$/, view: datasetsView, section: "datasets", needsOrganization: true },
  { pattern: /^\/datasets\/([^/]+)$/, view: datasetView, section: "datasets", needsOrganization: true },
  { pattern: /^\/automations$/, view: automationsView, section: "automations", needsOrganization: true },
  { pattern: /^\/organization$/, view: organizationView, section: "organization", needsOrganization: false },
];

const HOME = "/dashboards";

let screen: Screen | null = null;
let drawing = 0;
/** The organization the page was last drawn for. */
let drawnFor: string | null = null;

/** Goes to `path` (`/datasets/ds_1`) without adding a history entry. */
function redirect(path: string): void {
  history.replaceState(null, "", `#${path}`);
}

function currentPath(): string {
  return location.hash.replace(/^#/, "") || HOME;
}

function match(path: string): { route: Route; params: string[] } | null {
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (found) return { route, params: found.slice(1).map(decodeURIComponent) };
  }
  return null;
}

/**
 * The path to draw for `path`: sign-in when nobody is signed in, home when
 * a signed-in user asks for sign-in, and the section's list when the
 * organization changed under a path that names one of its records.
 */
function settle(path: string, session: Session | null): string {
  const found = match(path);
  if (!found) return session ? HOME : "/sign-in";
  if (!session) return found.route.section === null ? path : "/sign-in";
  if (found.route.section === null) return HOME;
  const orgId = session.context?.orgId ?? null;
  if (drawnFor !== null && orgId !== drawnFor && found.params.length > 0) return `/${found.route.section}`;
  return path;
}

function noOrganization(): Node[] {
  return [
    h("h1", {}, "No organization"),
    h(
      "p",
      { class: "notice" },
      "You are not a member of any organization. ",
      h("a", { href: "#/organization" }, "Create one or answer an invitation"),
      ".",
    ),
  ];
}

/** Draws the page for the current hash. */
async function draw(): Promise<void> {
  const id = ++drawing;
  screen?.dispose();
  screen = null;
  const app = document.getElementById("app");
  if (!app) return;

  let session: Session | null;
  try {
    session = await ensureSession();
  } catch (error) {
    if (error instanceof StaleResponse || id !== drawing) return;
    replace(app, h("main", { class: "main" }, h("p", { class: "form-error", role: "alert" }, describe(error))));
    return;
  }
  if (id !== drawing) return;

  const path = settle(currentPath(), session);
  if (path !== currentPath()) redirect(path);
  const found = match(path);
  if (!found) return;
  drawnFor = session?.context?.orgId ?? null;

  const main = h("main", { class: "main", id: "main" });
  replace(app, session ? header(session, found.route.section) : null, main);
  if (found.route.needsOrganization && !session?.context) {
    replace(main, ...noOrganization());
    return;
  }
  await run(new Screen(main, session, () => void draw()), found.route, found.params);
}

async function run(next: Screen, route: Route, params: string[]): Promise<void> {
  screen = next;
  next.show(h("p", { class: "loading" }, "Loading…"));
  try {
    await route.view(next, ...params);
  } catch (error) {
    next.fail(error);
  }
}

/** Starts drawing, and draws again on every navigation or session change. */
export function startRouter(): void {
  window.addEventListener("hashchange", () => void draw());
  onSessionChange(() => void draw());
  void draw();
}
