// Hostile request framing: bodies that are not JSON, JSON of the wrong
// shape, JSON nested 100,000 deep, fields that try to assign what the server
// decides, declared content types other than JSON, bodies over the limits
// (with and without Content-Length), unknown tools, methods a route does not
// take, and very long URLs and query strings. Each is refused with its
// status and a body of exactly {code, message} (MCP: a JSON-RPC error),
// never a 500, and D1 is left as it was.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import {
  ORIGIN,
  assertError,
  assertUnchanged,
  keys,
  newUser,
  ok,
  raw,
  snapshot,
  uniqueEmail,
} from "./support/hostile.mjs";

const ORG = "/api/auth/organization";
const AUTH_LIMIT = 64 * 1024;
const TOOL_LIMIT = 2 * 1024 * 1024;

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

/** Every POST endpoint that reads a JSON body, with a body that would otherwise succeed or get past parsing. */
function postEndpoints(user) {
  return [
    ["/api/auth/sign-up/email", { name: "Framed", email: uniqueEmail("framed"), password: "long enough" }],
    ["/api/auth/sign-in/email", { email: user.email, password: user.password }],
    ["/api/auth/sign-out", {}],
    [`${ORG}/create`, { name: "Framed", slug: `framed-${Date.now().toString(36)}` }],
    [`${ORG}/set-active`, { organizationId: user.orgId }],
    [`${ORG}/has-permission`, { permissions: { member: ["delete"] } }],
    [`${ORG}/remove-member`, { memberIdOrEmail: "nobody@example.com" }],
    [`${ORG}/update-member-role`, { memberId: "nobody", role: "admin" }],
    [`${ORG}/leave`, { organizationId: user.orgId }],
    [`${ORG}/invite-member`, { email: uniqueEmail("framed-invitee"), role: "member" }],
    [`${ORG}/accept-invitation`, { invitationId: "nobody" }],
    [`${ORG}/reject-invitation`, { invitationId: "nobody" }],
    [`${ORG}/cancel-invitation`, { invitationId: "nobody" }],
    ["/api/tools/create_dashboard", { name: "Framed" }],
  ];
}

/** Posts `body` (text or bytes) to `path` as `user` by bearer token. */
function post(user, path, body, headers = {}) {
  return raw(worker, path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}`, ...headers },
    body,
  });
}

function mcp(user, body, headers = {}) {
  return post(user, "/mcp", body, { accept: "application/json, text/event-stream", ...headers });
}

/** A JSON-RPC error answer from /mcp. */
function assertRpcError(response, code, what) {
  const detail = `${what} -> ${response.status} ${response.text.slice(0, 300)}`;
  assert.ok([200, 400].includes(response.status), detail);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, detail);
  assert.deepEqual(keys(response.body), ["error", "id", "jsonrpc"], detail);
  assert.equal(response.body.jsonrpc, "2.0", detail);
  assert.equal(response.body.error.code, code, detail);
  assert.equal(typeof response.body.error.message, "string", detail);
}

// ---------------------------------------------------------------- not JSON

const INVALID_JSON = [
  "{",
  '{"name":',
  "{'name':'x'}",
  '{"name":"x",}',
  '{"name":"x"} trailing',
  '{"a":1}{"b":2}',
  "NaN",
  '{"a":NaN}',
  '{"a":Infinity}',
  "undefined",
  '{"a":undefined}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '{"a":"tab\there"}',
  '{"a":"nul\u0000here"}',
  "{/* comment */}",
  "// comment\n{}",
  "\ufeff{}",
  "{\"a\":1e999999}",
  "<xml/>",
  "name=x&email=y",
];

test("bodies that are not JSON are refused with 400 VALIDATION_ERROR by every POST endpoint, signed in or not", async () => {
  const user = await newUser(worker, "Framer");
  const before = await snapshot(worker.db);
  for (const [path] of postEndpoints(user)) {
    for (const body of INVALID_JSON) {
      const signedIn = await post(user, path, body);
      assertError(signedIn, 400, "VALIDATION_ERROR", /^the body is not valid JSON/, `${path} ${JSON.stringify(body)}`);
      if (!path.startsWith("/api/tools/")) {
        const anonymous = await raw(worker, path, { method: "POST", headers: { "content-type": "application/json" }, body });
        assertError(anonymous, 400, "VALIDATION_ERROR", /^the body is not valid JSON/, `anonymous ${path} ${JSON.stringify(body)}`);
      }
    }
    // Bytes that are not UTF-8.
    const bytes = await post(user, path, new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    assertError(bytes, 400, "VALIDATION_ERROR", /^the body is not valid JSON/, `${path} invalid UTF-8`);
  }
  await assertUnchanged(worker.db, before, "bodies that are not JSON");
});

test("MCP answers a body that is not JSON with a JSON-RPC parse error (-32700), and runs nothing", async () => {
  const user = await newUser(worker, "Framer");
  const before = await snapshot(worker.db);
  for (const body of INVALID_JSON) {
    const response = await mcp(user, body);
    assertRpcError(response, -32700, JSON.stringify(body));
    assert.equal(response.body.id, null);
  }
  await assertUnchanged(worker.db, before, "MCP bodies that are not JSON");
});

// ---------------------------------------------------------------- the wrong shape

const WRONG_SHAPES = ['"a string"', "42", "-1.5", "null", "true", "false", "{}x"];

test("JSON of the wrong shape (array, string, number, null, boolean) is refused with 400 by auth and organization endpoints", async () => {
  const user = await newUser(worker, "Shaper");
  const before = await snapshot(worker.db);
  for (const [path] of postEndpoints(user)) {
    if (path === "/api/auth/sign-out" || path.startsWith("/api/tools/")) continue;
    for (const body of [...WRONG_SHAPES.filter((b) => b !== "{}x"), "[]"]) {
      const response = await post(user, path, body);
      assertError(response, 400, "VALIDATION_ERROR", /^the body has the wrong shape/, `${path} ${body}`);
    }
  }
  await assertUnchanged(worker.db, before, "wrongly shaped auth bodies");
});

test("JSON of the wrong shape is refused with 400 naming the arguments by every tool", async () => {
  const user = await newUser(worker, "Shaper");
  const tools = (await raw(worker, "/api/tools", { headers: { authorization: `Bearer ${user.token}` } })).body.tools.map((t) => t.name);
  assert.ok(tools.length >= 24);
  const before = await snapshot(worker.db);
  for (const name of tools.filter((n) => n !== "whoami")) {
    // `null` reads as no arguments at all: {} (refused by tools that need some).
    for (const body of WRONG_SHAPES.filter((b) => b !== "null" && b !== "{}x")) {
      const response = await post(user, `/api/tools/${name}`, body);
      assertError(response, 400, "VALIDATION_ERROR", /^arguments: /, `${name} ${body}`);
    }
  }
  await assertUnchanged(worker.db, before, "wrongly shaped tool arguments");
});

test("a JSON array is never read as positional arguments: auth endpoints, tools and MCP refuse it and write nothing", async () => {
  // serde reads a struct from a sequence of its fields in order, so unless a
  // body is checked to be an object, ["name", "email", "password"] signs up.
  const user = await newUser(worker, "Positional");
  const ds = await ok(user, "create_dataset", { name: "P", columns: [{ name: "a", type: "text" }] });
  const before = await snapshot(worker.db);
  const accepted = [];
  const bodies = [
    ...postEndpoints(user).filter(([p]) => p !== "/api/auth/sign-out"),
    ["/api/tools/append_rows", { datasetId: ds.id, rows: [{ a: "positional" }] }],
    ["/api/tools/create_dataset", { name: "Positional", columns: [{ name: "a", type: "text" }] }],
    ["/api/tools/list_datasets", {}],
    ["/api/tools/list_dashboards", {}],
  ];
  for (const [path, body] of bodies) {
    for (const array of [Object.values(body), [body]]) {
      const response = await post(user, path, JSON.stringify(array));
      const refused = response.status === 400 && response.body?.code === "VALIDATION_ERROR" && keys(response.body).join() === "code,message";
      if (!refused) accepted.push(`${path} ${JSON.stringify(array).slice(0, 80)} -> ${response.status} ${response.text.slice(0, 100)}`);
    }
  }
  for (const message of [
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_dashboard", arguments: ["Positional over MCP"] } },
    { jsonrpc: "2.0", id: 2, method: "tools/call", params: ["create_dashboard", { name: "Positional params" }] },
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "list_datasets", arguments: [] } },
  ]) {
    const response = await mcp(user, JSON.stringify(message));
    const refused = response.body?.error?.code === -32602 || response.body?.result?.structuredContent?.code === "VALIDATION_ERROR";
    if (!refused) accepted.push(`MCP ${JSON.stringify(message.params).slice(0, 80)} -> ${response.text.slice(0, 100)}`);
  }
  const afterState = await snapshot(worker.db);
  const written = ["user", "organization", "session", "dashboard", "dataset"].filter((t) => afterState[t].length !== before[t].length);
  assert.deepEqual(accepted, [], `arrays accepted as positional arguments (tables written: ${written.join(", ") || "none"}):\n${accepted.join("\n")}`);
  await assertUnchanged(worker.db, before, "positional arrays");
});

test("MCP answers JSON-RPC messages of the wrong shape with -32600 or -32602, and runs nothing", async () => {
  const user = await newUser(worker, "Shaper");
  const before = await snapshot(worker.db);
  for (const body of ['"a string"', "42", "null", "true", "[]", "[1, 2]"]) {
    const response = await mcp(user, body);
    const answers = Array.isArray(response.body) ? response.body : [response.body];
    for (const answer of answers) assertRpcError({ ...response, body: answer }, -32600, body);
  }
  for (const params of [null, [], "x", 1, { name: 1 }, { name: ["create_dashboard"] }, { name: "create_dashboard", arguments: "x" }, { name: "create_dashboard", arguments: 42 }]) {
    const response = await mcp(user, JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params }));
    assert.equal(response.status, 200, JSON.stringify(params));
    const isRpcError = response.body.error?.code === -32602;
    const isToolError = response.body.result?.isError === true && response.body.result.structuredContent.code === "VALIDATION_ERROR";
    assert.ok(isRpcError || isToolError, `${JSON.stringify(params)} -> ${response.text}`);
  }
  await assertUnchanged(worker.db, before, "wrongly shaped MCP messages");
});

test("wrongly typed fields are refused naming the field: arrays, objects and operators where strings belong", async () => {
  const user = await newUser(worker, "Typer");
  const ds = await ok(user, "create_dataset", { name: "T", columns: [{ name: "a", type: "text" }] });
  const before = await snapshot(worker.db);
  const cases = [
    ["/api/auth/sign-up/email", { name: ["x"], email: uniqueEmail(), password: "long enough" }, "name"],
    ["/api/auth/sign-up/email", { name: "x", email: { $ne: null }, password: "long enough" }, "email"],
    ["/api/auth/sign-up/email", { name: "x", email: uniqueEmail(), password: { $gt: "" } }, "password"],
    ["/api/auth/sign-up/email", { name: "x", email: uniqueEmail(), password: "long enough", rememberMe: "yes" }, "rememberMe"],
    ["/api/auth/sign-in/email", { email: { $ne: null }, password: "x" }, "email"],
    ["/api/auth/sign-in/email", { email: user.email, password: { $ne: null } }, "password"],
    ["/api/auth/sign-in/email", { email: [user.email], password: user.password }, "email"],
    [`${ORG}/create`, { name: "x", slug: ["a"] }, "slug"],
    [`${ORG}/set-active`, { organizationId: { $ne: null } }, "organizationId"],
    [`${ORG}/has-permission`, { permissions: ["member"] }, "permissions"],
    [`${ORG}/has-permission`, { permissions: { member: "delete" } }, "permissions.member"],
    [`${ORG}/remove-member`, { memberIdOrEmail: 1 }, "memberIdOrEmail"],
    [`${ORG}/accept-invitation`, { invitationId: { $gt: "" } }, "invitationId"],
    [`${ORG}/leave`, { organizationId: null }, "organizationId"],
    ["/api/tools/create_dashboard", { name: ["x"] }, "name"],
    ["/api/tools/get_dataset", { datasetId: { $ne: null } }, "datasetId"],
    ["/api/tools/get_dataset", { datasetId: [ds.id] }, "datasetId"],
    ["/api/tools/query_dataset", { datasetId: ds.id, limit: "10; drop" }, "limit"],
    ["/api/tools/query_dataset", { datasetId: ds.id, limit: -1 }, "limit"],
    ["/api/tools/query_dataset", { datasetId: ds.id, limit: 1.5 }, "limit"],
    ["/api/tools/query_dataset", { datasetId: ds.id, select: "a" }, "select"],
    ["/api/tools/move_widget", { widgetId: "w", position: -1 }, "position"],
    ["/api/tools/move_widget", { widgetId: "w", position: 2 ** 40 }, "position"],
    ["/api/tools/append_rows", { datasetId: ds.id, rows: { a: "x" } }, "rows"],
  ];
  for (const [path, body, field] of cases) {
    const response = await post(user, path, JSON.stringify(body));
    assertError(response, 400, "VALIDATION_ERROR", undefined, `${path} ${JSON.stringify(body)}`);
    assert.ok(response.body.message.startsWith(`${field}: `) || response.body.message.startsWith(`${field}`), `${path}: expected ${field} named in ${response.body.message}`);
  }
  await assertUnchanged(worker.db, before, "wrongly typed fields");
});

test("fields the server decides cannot be assigned: sign-up ignores id, emailVerified, role and dates; tools refuse unknown fields", async () => {
  const email = uniqueEmail("assign");
  const chosen = "A".repeat(32);
  const response = await raw(worker, "/api/auth/sign-up/email", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: "Assigner",
      email,
      password: "long enough",
      id: chosen,
      userId: chosen,
      emailVerified: true,
      role: "admin",
      createdAt: "2000-01-01T00:00:00.000Z",
      token: chosen,
      organizationId: chosen,
      __proto__: { admin: true },
      constructor: { prototype: { admin: true } },
    }),
  });
  assert.equal(response.status, 200, response.text);
  const user = await worker.db.prepare(`select * from "user" where email = ?`).bind(email).first();
  assert.notEqual(user.id, chosen);
  assert.equal(user.emailVerified, 0);
  assert.notEqual(user.createdAt, "2000-01-01T00:00:00.000Z");
  assert.notEqual(response.body.token, chosen);
  const member = await worker.db.prepare(`select * from member where "userId" = ?`).bind(user.id).all();
  assert.deepEqual(member.results.map((m) => [m.role, m.organizationId !== chosen]), [["owner", true]]);

  const owner = await newUser(worker, "Owner");
  const before = await snapshot(worker.db);
  for (const [name, args] of [
    ["create_dashboard", { name: "x", id: chosen }],
    ["create_dashboard", { name: "x", createdById: chosen }],
    ["create_dataset", { name: "x", columns: [{ name: "a", type: "text" }], tableName: "dataset" }],
    ["create_dataset", { name: "x", columns: [{ name: "a", type: "text", primaryKey: true }] }],
    ["create_automation", { name: "x", type: "scheduled_report", config: { dashboardId: "d", schedule: "daily" }, id: chosen }],
  ]) {
    const refused = await post(owner, `/api/tools/${name}`, JSON.stringify(args));
    assertError(refused, 400, "VALIDATION_ERROR", /unknown field/, `${name} ${JSON.stringify(args)}`);
  }
  const proto = await post(owner, "/api/tools/create_dashboard", '{"name":"x","__proto__":{"orgId":"other"}}');
  assertError(proto, 400, "VALIDATION_ERROR", /unknown field/, "__proto__");
  await assertUnchanged(worker.db, before, "assigned fields");
});

test("whoami, like every tool, refuses arguments that are not an object", async () => {
  // Its published input schema is {"type":"object","additionalProperties":false}.
  const user = await newUser(worker, "Shaper");
  for (const body of ["[]", '"x"', "42", "true"]) {
    const response = await post(user, "/api/tools/whoami", body);
    assertError(response, 400, "VALIDATION_ERROR", /^arguments: /, `whoami ${body}`);
  }
  // An unknown field is named, as for every tool.
  const unknown = await post(user, "/api/tools/whoami", '{"unknown":1}');
  assertError(unknown, 400, "VALIDATION_ERROR", /^unknown: unknown field/, "whoami {unknown}");
  const empty = await post(user, "/api/tools/whoami", "{}");
  assert.equal(empty.status, 200);
  assert.equal(empty.body.userId, user.id);
});

// ---------------------------------------------------------------- deep nesting

test("JSON nested 100,000 levels deep is refused with 400 (or 413 past the auth limit), never a crash", async () => {
  const user = await newUser(worker, "Deep");
  const arrays = (n) => "[".repeat(n) + "]".repeat(n);
  const objects = (n) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
  const inField = (n) => `{"name":${arrays(n)}}`;
  const before = await snapshot(worker.db);
  for (const body of [arrays(100_000), objects(100_000), inField(100_000), arrays(129), '{"rows":' + arrays(100_000) + "}"]) {
    for (const name of ["create_dashboard", "create_dataset", "append_rows", "whoami"]) {
      const response = await post(user, `/api/tools/${name}`, body);
      assertError(response, 400, "VALIDATION_ERROR", /recursion limit|not valid JSON/, `${name} depth ${body.length}`);
    }
    assertRpcError(await mcp(user, body), -32700, `MCP depth ${body.length}`);
  }
  // Auth bodies: 100,000 levels is past 64 KiB (413); 30,000 levels is within it (400).
  for (const path of ["/api/auth/sign-up/email", "/api/auth/sign-in/email", `${ORG}/create`]) {
    assertError(await post(user, path, arrays(100_000)), 413, "PAYLOAD_TOO_LARGE", undefined, `${path} 100k`);
    assertError(await post(user, path, arrays(30_000)), 400, "VALIDATION_ERROR", /recursion limit/, `${path} 30k`);
    assertError(await post(user, path, objects(10_000)), 400, "VALIDATION_ERROR", /recursion limit/, `${path} 10k objects`);
  }
  await assertUnchanged(worker.db, before, "deep nesting");
  assert.equal((await raw(worker, "/health")).status, 200);
  assert.equal((await raw(worker, "/api/whoami", { headers: { authorization: `Bearer ${user.token}` } })).status, 200);
});

// ---------------------------------------------------------------- content types

test("a declared content type other than JSON is refused with 415 by every POST endpoint and MCP, even with a JSON body", async () => {
  const user = await newUser(worker, "Typed");
  const types = [
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "text/json",
    "text/html",
    "application/jsonp",
    "application/json-patch+json",
    "application/javascript",
    "application/json, text/plain",
    "application/x-json",
    "application/octet-stream",
  ];
  const before = await snapshot(worker.db);
  for (const [path, body] of [...postEndpoints(user), ["/mcp", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_dashboard", arguments: { name: "x" } } }]]) {
    for (const type of types) {
      const response = await post(user, path, JSON.stringify(body), { "content-type": type });
      assertError(response, 415, "UNSUPPORTED_MEDIA_TYPE", "the body must be application/json", `${path} as ${type}`);
    }
    // A real form post too.
    const form = await post(user, path, new URLSearchParams({ name: "x", email: uniqueEmail(), password: "long enough" }).toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    assertError(form, 415, "UNSUPPORTED_MEDIA_TYPE", undefined, `${path} form`);
  }
  // Cross-site "simple" requests (text/plain, with the cookie) cannot sign up, sign in or call tools.
  const simple = await raw(worker, "/api/tools/create_dashboard", {
    method: "POST",
    headers: { "content-type": "text/plain", authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ name: "csrf" }),
  });
  assertError(simple, 415, "UNSUPPORTED_MEDIA_TYPE");
  await assertUnchanged(worker.db, before, "non-JSON content types");

  // JSON with parameters or in other case is JSON.
  for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/json ; charset=UTF-8"]) {
    const response = await post(user, "/api/tools/create_dashboard", JSON.stringify({ name: type }), { "content-type": type });
    assert.equal(response.status, 200, `${type}: ${response.text}`);
  }
});

// ---------------------------------------------------------------- body limits

function padded(object, size) {
  const text = JSON.stringify(object);
  return text + " ".repeat(size - Buffer.byteLength(text));
}

function streamOf(text, chunk = 16 * 1024) {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
      controller.close();
    },
  });
}

test("auth bodies over 64 KiB answer 413, with and without Content-Length; exactly 64 KiB is read", async () => {
  const user = await newUser(worker, "Large");
  const before = await snapshot(worker.db);
  for (const [path, body] of postEndpoints(user).filter(([p]) => !p.startsWith("/api/tools/"))) {
    const over = padded(body, AUTH_LIMIT + 1);
    const declared = await post(user, path, over);
    assertError(declared, 413, "PAYLOAD_TOO_LARGE", "the request body is larger than 65536 bytes", `${path} +1 with Content-Length`);
    const streamed = await raw(worker, path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: streamOf(over),
      duplex: "half",
    });
    assertError(streamed, 413, "PAYLOAD_TOO_LARGE", undefined, `${path} +1 streamed`);
    const huge = await raw(worker, path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: streamOf(padded(body, 8 * 1024 * 1024), 256 * 1024),
      duplex: "half",
    });
    assertError(huge, 413, "PAYLOAD_TOO_LARGE", undefined, `${path} 8 MiB streamed, anonymous`);
    // A declared length that is not a number is not trusted either.
    const lying = await raw(worker, path, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(AUTH_LIMIT + 10) },
      body: padded(body, AUTH_LIMIT + 10),
    });
    assertError(lying, 413, "PAYLOAD_TOO_LARGE", undefined, `${path} declared`);
  }
  await assertUnchanged(worker.db, before, "oversized auth bodies");

  // Exactly the limit is parsed: a sign-in with a wrong password, padded to 64 KiB, is a 401.
  const exact = await post(user, "/api/auth/sign-in/email", padded({ email: user.email, password: "wrong password" }, AUTH_LIMIT));
  assertError(exact, 401, "INVALID_EMAIL_OR_PASSWORD", undefined, "exactly 64 KiB");
  const exactStream = await raw(worker, `${ORG}/create`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: streamOf(padded({ name: "x", slug: "x" }, AUTH_LIMIT)),
    duplex: "half",
  });
  assertError(exactStream, 401, "UNAUTHORIZED", undefined, "exactly 64 KiB streamed, anonymous");
});

test("tool and MCP bodies over 2 MiB answer 413, with and without Content-Length; exactly 2 MiB is read", async () => {
  const user = await newUser(worker, "Large");
  const ds = await ok(user, "create_dataset", { name: "Big", columns: [{ name: "t", type: "text" }] });
  const before = await snapshot(worker.db);
  const bodies = [
    ["/api/tools/create_dashboard", { name: "too big" }],
    ["/api/tools/append_rows", { datasetId: ds.id, rows: [{ t: "x" }] }],
    ["/mcp", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_dashboard", arguments: { name: "too big" } } }],
  ];
  for (const [path, body] of bodies) {
    const over = padded(body, TOOL_LIMIT + 1);
    const declared = await post(user, path, over, { accept: "application/json, text/event-stream" });
    assertError(declared, 413, "PAYLOAD_TOO_LARGE", `the request body is larger than ${TOOL_LIMIT} bytes`, `${path} +1`);
    const streamed = await raw(worker, path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: streamOf(over, 256 * 1024),
      duplex: "half",
    });
    assertError(streamed, 413, "PAYLOAD_TOO_LARGE", undefined, `${path} +1 streamed`);
    const huge = await raw(worker, path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: streamOf(padded(body, 24 * 1024 * 1024), 1024 * 1024),
      duplex: "half",
    });
    assertError(huge, 413, "PAYLOAD_TOO_LARGE", undefined, `${path} 24 MiB streamed`);
  }
  // Real content over the limit (rows), not only padding.
  const rows = Array.from({ length: 300 }, () => ({ t: "r".repeat(7500) }));
  const real = await post(user, "/api/tools/append_rows", JSON.stringify({ datasetId: ds.id, rows }));
  assertError(real, 413, "PAYLOAD_TOO_LARGE", undefined, "2.2 MB of rows");
  await assertUnchanged(worker.db, before, "oversized tool bodies");

  const exact = await post(user, "/api/tools/create_dashboard", padded({ name: "exactly 2 MiB" }, TOOL_LIMIT));
  assert.equal(exact.status, 200, exact.text.slice(0, 200));
  const exactMcp = await mcp(user, padded({ jsonrpc: "2.0", id: 2, method: "ping" }, TOOL_LIMIT));
  assert.deepEqual(exactMcp.body, { jsonrpc: "2.0", id: 2, result: {} });
});

// ---------------------------------------------------------------- unknown tools

test("unknown tools answer 404 UNKNOWN_TOOL (a JSON-RPC error over MCP), with a bounded message, and run nothing", async () => {
  const user = await newUser(worker, "Caller");
  const before = await snapshot(worker.db);
  const names = [
    "nope",
    "WHOAMI",
    "Create_Dashboard",
    "create_dashboard ",
    "create_dashboard%20",
    "create_dashboard%00",
    "%77hoami",
    "create_dashboard/",
    "create_dashboard/extra",
    "whoami;create_dashboard",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "call",
    "list",
    "tools",
    "'; DROP TABLE dashboard; --",
    "x".repeat(5000),
  ];
  for (const name of names) {
    const path = `/api/tools/${name.includes("%") ? name : encodeURIComponent(name).replaceAll("%2F", "/")}`;
    for (const headers of [{ authorization: `Bearer ${user.token}` }, {}]) {
      const response = await raw(worker, path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ name: "planted" }),
      });
      assertError(response, 404, "UNKNOWN_TOOL", /^unknown tool /, `${path.slice(0, 80)} ${headers.authorization ? "signed in" : "anonymous"}`);
      assert.ok(response.body.message.length < 200, "the message is bounded");
    }
    const overMcp = await mcp(user, JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name, arguments: { name: "planted" } } }));
    assertRpcError(overMcp, -32602, `MCP ${name.slice(0, 40)}`);
    assert.equal(overMcp.body.id, 3);
  }
  // No name at all.
  for (const path of ["/api/tools/", "/api/tools//"]) {
    const response = await post(user, path, "{}");
    assertError(response, 404, undefined, undefined, path);
  }
  await assertUnchanged(worker.db, before, "unknown tools");
});

// ---------------------------------------------------------------- methods

/** Every route with its method. */
const ROUTES = [
  ["/health", "GET"],
  ["/api/whoami", "GET"],
  ["/api/auth/get-session", "GET"],
  [`${ORG}/list`, "GET"],
  [`${ORG}/get-full-organization`, "GET"],
  [`${ORG}/list-members`, "GET"],
  [`${ORG}/list-invitations`, "GET"],
  [`${ORG}/list-user-invitations`, "GET"],
  ["/api/tools", "GET"],
  ["/api/auth/sign-up/email", "POST"],
  ["/api/auth/sign-in/email", "POST"],
  ["/api/auth/sign-out", "POST"],
  [`${ORG}/create`, "POST"],
  [`${ORG}/set-active`, "POST"],
  [`${ORG}/has-permission`, "POST"],
  [`${ORG}/remove-member`, "POST"],
  [`${ORG}/update-member-role`, "POST"],
  [`${ORG}/leave`, "POST"],
  [`${ORG}/invite-member`, "POST"],
  [`${ORG}/accept-invitation`, "POST"],
  [`${ORG}/reject-invitation`, "POST"],
  [`${ORG}/cancel-invitation`, "POST"],
  ["/api/tools/create_dashboard", "POST"],
  ["/api/tools/delete_dataset", "POST"],
  ["/mcp", "POST"],
];

test("PUT, DELETE, PATCH, OPTIONS and the other of GET/POST answer 405 METHOD_NOT_ALLOWED on every route, and change nothing", async () => {
  const user = await newUser(worker, "Methods");
  const ds = await ok(user, "create_dataset", { name: "Keep", columns: [{ name: "a", type: "text" }] });
  const bodies = {
    "/api/auth/sign-up/email": { name: "M", email: uniqueEmail("m"), password: "long enough" },
    "/api/auth/sign-out": {},
    [`${ORG}/create`]: { name: "M", slug: `m-${Date.now().toString(36)}` },
    "/api/tools/create_dashboard": { name: "M" },
    "/api/tools/delete_dataset": { datasetId: ds.id },
    "/mcp": { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "delete_dataset", arguments: { datasetId: ds.id } } },
  };
  const before = await snapshot(worker.db);
  for (const [path, method] of ROUTES) {
    const wrong = ["PUT", "DELETE", "PATCH", "OPTIONS", method === "GET" ? "POST" : "GET"];
    for (const verb of wrong) {
      const init = {
        method: verb,
        headers: {
          authorization: `Bearer ${user.token}`,
          cookie: user.client.cookieHeader(),
          origin: ORIGIN,
          "content-type": "application/json",
        },
      };
      if (verb !== "GET") init.body = JSON.stringify(bodies[path] ?? {});
      const response = await raw(worker, path, init);
      assertError(response, 405, "METHOD_NOT_ALLOWED", `${verb} is not allowed here`, `${verb} ${path}`);
    }
    if (method === "POST") {
      // HEAD is GET without a body: not allowed where GET is not.
      const head = await worker.fetch(path, { method: "HEAD", headers: { authorization: `Bearer ${user.token}` } });
      assert.equal(head.status, 405, `HEAD ${path}`);
      await head.arrayBuffer();
    }
  }
  await assertUnchanged(worker.db, before, "wrong methods");
});

test("a 405 answer names the allowed method in an Allow header (RFC 9110 §15.5.6)", async () => {
  const failures = [];
  for (const [path, method] of ROUTES) {
    const response = await raw(worker, path, { method: "PUT" });
    assert.equal(response.status, 405);
    const allow = (response.headers.get("allow") ?? "").split(",").map((m) => m.trim().toUpperCase());
    if (!allow.includes(method)) failures.push(`PUT ${path}: Allow ${JSON.stringify(response.headers.get("allow"))}, expected ${method}`);
  }
  assert.deepEqual(failures, [], failures.join("\n"));
});

// ---------------------------------------------------------------- long URLs and query strings

test("very long paths and query strings are answered by the Worker up to 64 KB, and never with a 500", async () => {
  const user = await newUser(worker, "Long");
  const auth = { authorization: `Bearer ${user.token}` };
  const before = await snapshot(worker.db);
  for (const n of [2_000, 16_000, 60_000]) {
    assertError(await raw(worker, `/${"a".repeat(n)}`), 404, "NOT_FOUND", undefined, `path ${n}`);
    assertError(await raw(worker, `/api/${"../".repeat(n / 3)}whoami`), 404, "NOT_FOUND", undefined, `dot segments ${n}`);
    const tool = await raw(worker, `/api/tools/${"x".repeat(n)}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
    assertError(tool, 404, "UNKNOWN_TOOL", undefined, `tool name ${n}`);
    assert.ok(tool.body.message.length < 200);
    // Unknown parameters are ignored; known ones are checked.
    const whoami = await raw(worker, `/api/whoami?x=${"a".repeat(n)}`, { headers: auth });
    assert.equal(whoami.status, 200, `query ${n}`);
    assert.equal(whoami.body.userId, user.id);
    assertError(await raw(worker, `${ORG}/list-members?organizationId=${"a".repeat(n)}`, { headers: auth }), 400, "ORGANIZATION_NOT_FOUND", undefined, `organizationId ${n}`);
    assertError(await raw(worker, `${ORG}/list-members?limit=${"9".repeat(n)}`, { headers: auth }), 400, "VALIDATION_ERROR", /^limit: /, `limit ${n}`);
    assertError(await raw(worker, `${ORG}/get-full-organization?organizationSlug=${"%27".repeat(n / 3)}`, { headers: auth }), 400, "ORGANIZATION_NOT_FOUND", undefined, `slug ${n}`);
  }
  const many = Array.from({ length: 5000 }, (_, i) => `p${i}=${i}`).join("&");
  assert.equal((await raw(worker, `/api/whoami?${many}`, { headers: auth })).status, 200, "5,000 parameters");
  const repeated = Array.from({ length: 1000 }, () => `organizationId=${user.orgId}`).join("&");
  assert.equal((await raw(worker, `${ORG}/list-members?${repeated}`, { headers: auth })).status, 200, "one parameter 1,000 times");
  // Past what the runtime accepts, workerd itself refuses; never a 500.
  for (const path of [`/${"a".repeat(200_000)}`, `/api/whoami?x=${"a".repeat(200_000)}`]) {
    const response = await raw(worker, path, { headers: auth });
    assert.ok(response.status >= 400 && response.status < 500, `${path.length}: ${response.status}`);
  }
  await assertUnchanged(worker.db, before, "long URLs");
  assert.equal((await raw(worker, "/health")).status, 200);
});

test("a query parameter with a broken percent-escape is refused with 400 naming it, not read as absent", async () => {
  const user = await newUser(worker, "Escapes");
  const auth = { authorization: `Bearer ${user.token}` };
  const cases = [
    [`${ORG}/list-members?organizationId=%ZZ`, "organizationId"],
    [`${ORG}/list-members?organizationId=${user.orgId}%`, "organizationId"],
    [`${ORG}/list-members?limit=%ZZ`, "limit"],
    [`${ORG}/list-members?offset=%E0%A4`, "offset"],
    [`${ORG}/get-full-organization?organizationId=%FF`, "organizationId"],
    [`${ORG}/list-invitations?organizationId=%`, "organizationId"],
  ];
  const answered = [];
  for (const [path, field] of cases) {
    const response = await raw(worker, path, { headers: auth });
    const named = response.status === 400 && response.body?.code === "VALIDATION_ERROR" && response.body.message.startsWith(`${field}: `);
    if (!named) answered.push(`${path} -> ${response.status} ${response.text.slice(0, 120)}`);
  }
  assert.deepEqual(answered, [], `broken escapes were read as absent or empty:\n${answered.join("\n")}`);
});
