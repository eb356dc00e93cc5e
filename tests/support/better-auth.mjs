// A real Better Auth 1.7.25 instance (the `better-auth` npm package, with its
// organization plugin) running in the Node test process on the SAME D1
// database as the orgscope Worker, plus the cookie helpers the
// compatibility tests share.
//
// Better Auth's Kysely adapter recognises a D1 binding by its `batch`,
// `exec` and `prepare` members and talks to it through its own D1 dialect,
// so the binding Miniflare hands to Node is passed to it as is.

import { createHmac, randomInt } from "node:crypto";
import { betterAuth } from "better-auth";
import { organization } from "better-auth/plugins";
import { SECRET, ORIGIN } from "./worker.mjs";

export const COOKIE_NAME = "better-auth.session_token";

/** `Date.toISOString()`'s shape: what Better Auth writes for every date. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Better Auth's ids and session tokens: 32 characters of [a-zA-Z0-9]. */
export const ID = /^[a-zA-Z0-9]{32}$/;

/** Better Auth's stored password: "<32 hex salt>:<128 hex scrypt key>". */
export const PASSWORD_HASH = /^[0-9a-f]{32}:[0-9a-f]{128}$/;

/** Starts Better Auth on `db` (a D1 binding), with orgscope's secret and origin. */
export function startBetterAuth(db) {
  return betterAuth({
    database: db,
    secret: SECRET,
    baseURL: ORIGIN,
    emailAndPassword: { enabled: true },
    plugins: [organization()],
    logger: { level: "error" },
  });
}

/** Sends a request to Better Auth's own router, as a Better Auth app would serve it. */
export function betterAuthFetch(auth, path, init = {}) {
  return auth.handler(new Request(new URL(path, ORIGIN), init));
}

/** A JSON POST (with `origin` set, since it may carry a cookie). */
export function postJson(body, cookie) {
  const headers = { "content-type": "application/json", origin: ORIGIN };
  if (cookie) headers.cookie = cookie;
  return { method: "POST", headers, body: JSON.stringify(body) };
}

/** Base64 HMAC-SHA256 of `value` under `secret`, computed with node:crypto. */
export function hmacBase64(value, secret = SECRET) {
  return createHmac("sha256", secret).update(value).digest("base64");
}

/** The cookie value Better Auth signs: encodeURIComponent(token + "." + base64(hmac)). */
export function signedCookieValue(token, secret = SECRET) {
  return encodeURIComponent(`${token}.${hmacBase64(token, secret)}`);
}

/** A `Cookie` header carrying `token` as a session cookie signed with node:crypto. */
export function sessionCookieHeader(token, secret = SECRET) {
  return `${COOKIE_NAME}=${signedCookieValue(token, secret)}`;
}

/**
 * The session cookie a response sets: `{ header, pair, value, attributes }`,
 * where `pair` is `name=value` ready for a `Cookie` header and `value` is
 * the raw (still URL-encoded) value. Fails the test when none is set.
 */
export function sessionCookieOf(response) {
  const header = response.headers
    .getSetCookie()
    .find((line) => line.startsWith(`${COOKIE_NAME}=`));
  if (!header) {
    throw new Error(
      `no ${COOKIE_NAME} cookie in Set-Cookie: ${JSON.stringify(response.headers.getSetCookie())}`,
    );
  }
  const [pair, ...attributes] = header.split(";").map((part) => part.trim());
  return { header, pair, value: pair.slice(COOKIE_NAME.length + 1), attributes };
}

/** Splits a signed cookie value at its last "." into token and signature. */
export function splitSignedValue(value) {
  const decoded = decodeURIComponent(value);
  const dot = decoded.lastIndexOf(".");
  return { token: decoded.slice(0, dot), signature: decoded.slice(dot + 1) };
}

/** A Better Auth–shaped id: 32 characters from [a-zA-Z0-9]. */
export function randomId() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  for (let i = 0; i < 32; i++) id += alphabet[randomInt(alphabet.length)];
  return id;
}

let counter = 0;
/** A fresh, unique email for one test's user. */
export function uniqueEmail(label) {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}@example.com`;
}
