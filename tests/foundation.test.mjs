// The Worker's skeleton: health, unknown paths, methods, and the database
// schema that the migrations create.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker.dispose());

test("GET /health answers ok", async () => {
  const response = await worker.fetch("/health");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /application\/json/);
  assert.deepEqual(await response.json(), { status: "ok" });
});

test("an unknown path answers 404 NOT_FOUND as JSON", async () => {
  const response = await worker.fetch("/no/such/thing");
  assert.equal(response.status, 404);
  const body = await response.json();
  assert.equal(body.code, "NOT_FOUND");
  assert.equal(typeof body.message, "string");
});

test("a known path with the wrong method answers 405", async () => {
  const response = await worker.fetch("/health", { method: "DELETE" });
  assert.equal(response.status, 405);
  assert.equal((await response.json()).code, "METHOD_NOT_ALLOWED");
});

test("the scheduled handler runs without failing", async () => {
  const scheduled = await worker.mf.getWorker();
  const result = await scheduled.scheduled({ cron: "*/5 * * * *" });
  assert.equal(result.outcome, "ok");
});
