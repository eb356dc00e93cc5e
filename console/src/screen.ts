// One drawing of one screen. The router makes a Screen for every route it
// draws; a view fills it, and anything the view shows after an await goes
// through `show`, which does nothing once another screen has replaced it.
// Charts and timers register their clean-up with `onDispose`.

import { ApiError, StaleResponse } from "./api";
import { h, replace, type Child } from "./dom";
import { describe } from "./forms";
import type { Session } from "./session";
import type { Whoami } from "./types";

export class Screen {
  private cleanups: (() => void)[] = [];
  private disposed = false;

  constructor(
    readonly root: HTMLElement,
    private readonly signedIn: Session | null,
    private readonly redraw: () => void,
  ) {}

  /** The session; only the sign-in and sign-up screens are drawn without one. */
  get session(): Session {
    if (!this.signedIn) throw new Error("this screen needs a session");
    return this.signedIn;
  }

  /** The caller's context; views that need an organization run only with one. */
  get ctx(): Whoami {
    const ctx = this.session.context;
    if (!ctx) throw new Error("this screen needs an organization");
    return ctx;
  }

  /** Whether this is still the screen on the page. */
  get live(): boolean {
    return !this.disposed;
  }

  /** Replaces the screen's content, unless it has been replaced itself. */
  show(...nodes: Child[]): void {
    if (this.live) replace(this.root, ...nodes);
  }

  /** Draws the route again, with fresh answers. */
  refresh(): void {
    if (this.live) this.redraw();
  }

  onDispose(cleanup: () => void): void {
    if (this.disposed) cleanup();
    else this.cleanups.push(cleanup);
  }

  dispose(): void {
    this.disposed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Shows why the screen could not be drawn. */
  fail(error: unknown): void {
    if (error instanceof StaleResponse) return;
    if (error instanceof ApiError && error.code === "NOT_FOUND") {
      this.show(
        h("h1", {}, "Not found"),
        h("p", { class: "notice" }, "There is no such item in this organization."),
      );
      return;
    }
    this.show(h("h1", {}, "Something went wrong"), h("p", { class: "form-error", role: "alert" }, describe(error)));
  }
}
