// The console's only way to reach the server: orgscope's public HTTP API,
// the Better Auth–compatible endpoints under /api/auth/* and the tools at
// POST /api/tools/{name}. The session travels in its HttpOnly cookie, so
// no token is ever visible to this script.
//
// Every answer is checked against the moment its request started: one that
// began before an organization switch or a sign-out is dropped (it throws
// StaleResponse), so no view can ever show the previous organization's data.

import type {
  FullOrganization,
  Invitation,
  Member,
  Organization,
  User,
  UserInvitation,
  Whoami,
} from "./types";

/** A refusal from the server: its HTTP status and `{code, message}`. */
export class ApiError extends Error {
  /** The request field the message names (`password`, `columns[2].type`). */
  readonly field: string | null;
  /** The message without the field's name in front. */
  readonly detail: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, from Retry-After (429 answers). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    const named = status === 400 ? FIELD_PREFIX.exec(message) : null;
    this.field = named?.[1] ?? null;
    this.detail = named?.[2] ?? message;
  }
}

/** An answer to a request made for an organization or session since left. */
export class StaleResponse extends Error {}

// 400 messages start with the field they concern (src/error.rs):
// `password: ...`, `rows[12].amount: ...`, `config.schedule: ...`.
const FIELD_PREFIX = /^([A-Za-z][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z][A-Za-z0-9_]*)*): (.+)$/s;

let generation = 0;
let expectedOrg: string | null = null;
let onForeignAnswer: () => void = () => {};

/**
 * Starts a new generation: answers to every request already on its way
 * will be dropped. Called around organization switches and sign-outs.
 */
export function invalidateRequests(): void {
  generation += 1;
}

/**
 * The organization the console believes is active. A tool answer holding
 * records of another one means the session was switched elsewhere (another
 * tab, or an agent sharing the token): it is dropped and `onForeign` runs.
 */
export function expectOrganization(orgId: string | null, onForeign: () => void): void {
  expectedOrg = orgId;
  onForeignAnswer = onForeign;
}

async function request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const started = generation;
  const init: RequestInit = { method, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }

  let response: Response;
  let text: string;
  try {
    response = await fetch(path, init);
    text = await response.text();
  } catch {
    if (started !== generation) throw new StaleResponse();
    throw new ApiError(0, "NETWORK_ERROR", "the server could not be reached; try again");
  }
  if (started !== generation) throw new StaleResponse();

  const parsed = parseJson(text);
  if (!response.ok) throw refusal(response, parsed);
  return parsed as T;
}

function parseJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function refusal(response: Response, body: unknown): ApiError {
  const retry = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  const retryAfter = Number.isFinite(retry) ? retry : null;
  if (body && typeof body === "object" && "code" in body && "message" in body) {
    const { code, message } = body as { code: unknown; message: unknown };
    return new ApiError(response.status, String(code), String(message), retryAfter);
  }
  return new ApiError(response.status, "HTTP_ERROR", `the server answered ${response.status}`, retryAfter);
}

/** The organization ids a tool answer's records carry, two levels deep. */
function orgIdsIn(value: unknown, depth = 0, found: string[] = []): string[] {
  if (depth > 2 || value === null || typeof value !== "object") return found;
  if (Array.isArray(value)) {
    for (const item of value) orgIdsIn(item, depth + 1, found);
    return found;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.orgId === "string") found.push(record.orgId);
  for (const child of Object.values(record)) {
    if (child !== null && typeof child === "object") orgIdsIn(child, depth + 1, found);
  }
  return found;
}

// Tools whose answers hold a dataset's rows right at the top, where a
// column may well be named `orgId`: their answers carry no records to check.
const ROW_ANSWERS = new Set(["query_dataset"]);

/** Calls the tool `name` with `args`; answers its JSON result. */
export async function tool<T>(name: string, args: object = {}): Promise<T> {
  const result = await request<T>("POST", `/api/tools/${encodeURIComponent(name)}`, args);
  const foreign = !ROW_ANSWERS.has(name) && orgIdsIn(result).some((id) => id !== expectedOrg);
  if (expectedOrg !== null && foreign) {
    onForeignAnswer();
    throw new StaleResponse();
  }
  return result;
}

function query(params: Record<string, string>): string {
  return `?${new URLSearchParams(params).toString()}`;
}

/** The account endpoints (Better Auth's email and password plugin). */
export const account = {
  signUp: (body: { name: string; email: string; password: string }) =>
    request<{ token: string; user: User }>("POST", "/api/auth/sign-up/email", body),
  signIn: (body: { email: string; password: string }) =>
    request<{ token: string; user: User }>("POST", "/api/auth/sign-in/email", body),
  signOut: () => request<{ success: boolean }>("POST", "/api/auth/sign-out", {}),
  session: () => request<{ user: User } | null>("GET", "/api/auth/get-session"),
  whoami: () => request<Whoami>("GET", "/api/whoami"),
};

const ORG = "/api/auth/organization";

/** The organization endpoints (Better Auth's organization plugin). */
export const organizations = {
  list: () => request<Organization[]>("GET", `${ORG}/list`),
  create: (name: string, slug: string) => request<Organization>("POST", `${ORG}/create`, { name, slug }),
  setActive: (organizationId: string) =>
    request<Organization>("POST", `${ORG}/set-active`, { organizationId }),
  full: (organizationId: string) =>
    request<FullOrganization>("GET", `${ORG}/get-full-organization${query({ organizationId })}`),
  invite: (organizationId: string, email: string, role: string) =>
    request<Invitation>("POST", `${ORG}/invite-member`, { organizationId, email, role }),
  myInvitations: () => request<UserInvitation[]>("GET", `${ORG}/list-user-invitations`),
  accept: (invitationId: string) => request<unknown>("POST", `${ORG}/accept-invitation`, { invitationId }),
  reject: (invitationId: string) => request<unknown>("POST", `${ORG}/reject-invitation`, { invitationId }),
  cancel: (invitationId: string) => request<unknown>("POST", `${ORG}/cancel-invitation`, { invitationId }),
  updateRole: (organizationId: string, memberId: string, role: string) =>
    request<Member>("POST", `${ORG}/update-member-role`, { organizationId, memberId, role }),
  remove: (organizationId: string, memberIdOrEmail: string) =>
    request<unknown>("POST", `${ORG}/remove-member`, { organizationId, memberIdOrEmail }),
  leave: (organizationId: string) => request<unknown>("POST", `${ORG}/leave`, { organizationId }),
};
