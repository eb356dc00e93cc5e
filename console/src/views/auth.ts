// Sign-up and sign-in. Refusals are shown next to the field they concern:
// 400 messages name it (`password: Password too short`), and the codes for
// a wrong password or a taken email are mapped to theirs. A 429 keeps the
// button disabled for as long as Retry-After says.

import { account } from "../api";
import { h } from "../dom";
import { field, formError, onSubmit } from "../forms";
import type { Screen } from "../screen";
import { startSession } from "../session";

function input(name: string, type: string, autocomplete: string): HTMLInputElement {
  return h("input", { name, type, autocomplete, required: true });
}

function value(form: HTMLFormElement, name: string): string {
  const control = form.elements.namedItem(name);
  return control instanceof HTMLInputElement ? control.value : "";
}

/** Lands a fresh session on the dashboards. */
function signedIn(): void {
  history.replaceState(null, "", "#/dashboards");
  startSession();
}

export async function signUpView(screen: Screen): Promise<void> {
  const form = h(
    "form",
    { class: "card auth", novalidate: true, "aria-label": "Sign up" },
    h("h1", {}, "Create your account"),
    formError(),
    field("Name", input("name", "text", "name"), "name"),
    field("Email", input("email", "email", "email"), "email"),
    field("Password", input("password", "password", "new-password"), "password", "At least 8 characters."),
    h("button", { type: "submit", class: "primary" }, "Sign up"),
    h("p", {}, "Already have an account? ", h("a", { href: "#/sign-in" }, "Sign in")),
  );
  onSubmit(
    form,
    async () => {
      await account.signUp({
        name: value(form, "name"),
        email: value(form, "email"),
        password: value(form, "password"),
      });
      signedIn();
    },
    { USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "email" },
  );
  screen.show(form);
}

export async function signInView(screen: Screen): Promise<void> {
  const form = h(
    "form",
    { class: "card auth", novalidate: true, "aria-label": "Sign in" },
    h("h1", {}, "Sign in"),
    formError(),
    field("Email", input("email", "email", "username"), "email"),
    field("Password", input("password", "password", "current-password"), "password"),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", {}, "New here? ", h("a", { href: "#/sign-up" }, "Create an account")),
  );
  onSubmit(
    form,
    async () => {
      await account.signIn({ email: value(form, "email"), password: value(form, "password") });
      signedIn();
    },
    { INVALID_EMAIL_OR_PASSWORD: "password" },
  );
  screen.show(form);
}
