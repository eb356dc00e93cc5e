// A small HTTP client for the tests: keeps the cookies a browser would keep,
// sends the Origin a browser would send, and answers {status, body, headers}.

import { ORIGIN } from "./worker.mjs";

let counter = 0;

/** An email no other test uses. */
export function uniqueEmail(prefix = "user") {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}

export class Client {
  constructor(worker, { origin = ORIGIN } = {}) {
    this.worker = worker;
    this.origin = origin;
    this.cookies = new Map();
    this.bearer = null;
  }

  /** The Cookie header this client would send. */
  cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  storeCookies(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method, path, body, { headers = {} } = {}) {
    const init = { method, headers: { ...headers } };
    if (this.cookies.size > 0 && !("cookie" in init.headers)) init.headers.cookie = this.cookieHeader();
    if (this.bearer) init.headers.authorization = `Bearer ${this.bearer}`;
    if (method !== "GET" && this.origin && !("origin" in init.headers)) init.headers.origin = this.origin;
    if (body !== undefined) {
      init.headers["content-type"] ??= "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const response = await this.worker.fetch(path, init);
    this.storeCookies(response);
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  get(path, options) {
    return this.request("GET", path, undefined, options);
  }

  post(path, body = {}, options) {
    return this.request("POST", path, body, options);
  }
}

/** Signs up a new user; answers the signed-in client and the sign-up body. */
export async function signUp(worker, { name = "Test User", email = uniqueEmail(), password = "correct horse battery" } = {}) {
  const client = new Client(worker);
  const response = await client.post("/api/auth/sign-up/email", { name, email, password });
  if (response.status !== 200) {
    throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return { client, user: response.body.user, token: response.body.token, email, password };
}

/** Counts the rows of `table`, optionally filtered by a where clause. */
export async function count(db, table, where = "1 = 1", ...params) {
  const row = await db.prepare(`select count(*) as n from "${table}" where ${where}`).bind(...params).first();
  return row.n;
}
