// Who is signed in and in which organization, as the server says: the
// session's user, the AuthContext of /api/whoami (organization and roles),
// the user's organizations and the invitations addressed to them.
//
// Everything that changes the organization (switching, creating one,
// accepting an invitation, leaving) goes through `changeOrganization`,
// which drops answers still on their way, empties every cache and has the
// page drawn again from a freshly loaded session. Other tabs share the
// session cookie, so they hear of a change through localStorage.

import { account, ApiError, expectOrganization, invalidateRequests, organizations } from "./api";
import { clearCache } from "./cache";
import type { Organization, User, UserInvitation, Whoami } from "./types";

export interface Session {
  user: User;
  /** Null when the user belongs to no organization. */
  context: Whoami | null;
  organizations: Organization[];
  /** Pending invitations addressed to the user's email. */
  invitations: UserInvitation[];
}

let current: Session | null = null;
/** The load in progress or done; null when the session must be read again. */
let loading: Promise<Session | null> | null = null;
const listeners = new Set<() => void>();

/** Another tab writes this key after it changed the session. */
const BROADCAST_KEY = "orgscope:session-changed";

/** The session as last loaded (call `ensureSession` first). */
export function session(): Session | null {
  return current;
}

/** The active organization's record, when there is one. */
export function activeOrganization(): Organization | null {
  const orgId = current?.context?.orgId;
  return current?.organizations.find((o) => o.id === orgId) ?? null;
}

/** Runs `listener` whenever the session must be drawn again. */
export function onSessionChange(listener: () => void): void {
  listeners.add(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}

/** The AuthContext, or null for a user who is a member of no organization. */
async function context(): Promise<Whoami | null> {
  try {
    return await account.whoami();
  } catch (error) {
    if (error instanceof ApiError && error.code === "NO_ACTIVE_ORGANIZATION") return null;
    throw error;
  }
}

async function load(): Promise<Session | null> {
  const found = await account.session();
  if (!found) {
    current = null;
  } else {
    const [whoami, orgs, invitations] = await Promise.all([
      context(),
      organizations.list(),
      organizations.myInvitations(),
    ]);
    current = { user: found.user, context: whoami, organizations: orgs, invitations };
  }
  expectOrganization(current?.context?.orgId ?? null, changedElsewhere);
  return current;
}

/** The session, loaded from the server unless already loaded. */
export function ensureSession(): Promise<Session | null> {
  if (!loading) {
    const started = load();
    // A failed load is not kept, so the next screen asks again.
    started.catch(() => {
      if (loading === started) loading = null;
    });
    loading = started;
  }
  return loading;
}

/**
 * Forgets everything the previous user or organization left behind:
 * answers on their way are dropped, caches emptied, the session re-read.
 */
function reset(): void {
  invalidateRequests();
  clearCache();
  loading = null;
}

function broadcast(): void {
  try {
    localStorage.setItem(BROADCAST_KEY, String(Date.now()));
  } catch {
    // Storage may be disabled; other tabs then notice at their next answer.
  }
}

/** After a change made elsewhere (another tab, an agent on this session). */
function changedElsewhere(): void {
  reset();
  notify();
}

/**
 * Runs `change`, a request that changes the session's organization. Answers
 * to requests started before or during it are dropped; when it succeeds the
 * page is drawn again for the new organization.
 */
export async function changeOrganization(change: () => Promise<unknown>): Promise<void> {
  invalidateRequests();
  await change();
  reset();
  broadcast();
  notify();
}

/** After sign-in or sign-up: the new session, from a clean slate. */
export function startSession(): void {
  reset();
  broadcast();
  notify();
}

/** Ends the session on the server and forgets it here. */
export async function endSession(): Promise<void> {
  reset();
  try {
    await account.signOut();
  } finally {
    reset();
    current = null;
    expectOrganization(null, changedElsewhere);
    broadcast();
    notify();
  }
}

/** Re-reads the session (after an invitation was answered, for example). */
export function refreshSession(): void {
  loading = null;
  notify();
}

window.addEventListener("storage", (event) => {
  if (event.key === BROADCAST_KEY) changedElsewhere();
});
