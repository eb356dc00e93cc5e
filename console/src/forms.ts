// Forms and their errors. Each control sits in a `.field` that names the
// request field it fills (`data-field="password"`, `"columns[2].type"`);
// a refusal is shown under the field its message names, or at the top of
// the form when it names none of them.

import { ApiError, StaleResponse } from "./api";
import { h } from "./dom";

let nextId = 0;

/** A labelled control with room for its error; `name` is its request field. */
export function field(label: string, control: HTMLElement, name: string, hint?: string): HTMLElement {
  nextId += 1;
  const id = `f${nextId}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  control.id = id;
  control.setAttribute("aria-describedby", error.id);
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: id }, label),
    control,
    hint ? h("p", { class: "hint" }, hint) : null,
    error,
  );
}

/** The message area at the top of a form, for errors that name no field. */
export function formError(): HTMLElement {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

/** Clears every error shown in `form`. */
export function clearErrors(form: HTMLElement): void {
  for (const element of form.querySelectorAll<HTMLElement>(".field-error, .form-error")) {
    element.textContent = "";
    element.hidden = true;
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/** Whether `name` is `prefix` or a field inside it (`config` ⊃ `config.x`). */
function within(name: string, prefix: string): boolean {
  return name === prefix || name.startsWith(`${prefix}.`) || name.startsWith(`${prefix}[`);
}

/** The `.field` for a request field: the exact one, else its closest parent. */
function fieldFor(form: HTMLElement, name: string): HTMLElement | null {
  let best: HTMLElement | null = null;
  for (const candidate of form.querySelectorAll<HTMLElement>("[data-field]")) {
    const prefix = candidate.dataset.field ?? "";
    if (within(name, prefix) && prefix.length > (best?.dataset.field?.length ?? -1)) best = candidate;
  }
  return best;
}

/**
 * The error slot of the field for `name`: the field's own slot, never that
 * of a field inside it (a group like `config` must not borrow `config.x`'s).
 */
function slotFor(form: HTMLElement, name: string | null): { slot: HTMLElement; exact: boolean } | null {
  const target = name ? fieldFor(form, name) : null;
  const slot = target?.querySelector<HTMLElement>(":scope > .field-error");
  return target && slot ? { slot, exact: target.dataset.field === name } : null;
}

function reveal(slot: HTMLElement, message: string): void {
  slot.textContent = message;
  slot.hidden = false;
  slot.parentElement?.querySelector(":scope > input, :scope > select, :scope > textarea")?.setAttribute("aria-invalid", "true");
}

/** Shows `message` under the field `name`, or at the top when there is none. */
export function showFieldError(form: HTMLElement, name: string | null, message: string): void {
  const found = slotFor(form, name);
  const slot = found?.slot ?? form.querySelector<HTMLElement>(".form-error");
  if (slot) reveal(slot, message);
}

/** A problem the console found itself, before asking the server. */
export class FieldError extends Error {
  constructor(
    /** The request field it concerns; null for the form as a whole. */
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Error codes that concern one field although their message names none. */
export type CodeFields = Record<string, string>;

/** The sentence a person reads for a failure. */
export function describe(error: unknown): string {
  if (error instanceof ApiError && error.status === 429) {
    const wait = error.retryAfter ?? 60;
    return `Too many attempts. Try again in ${wait} seconds.`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Shows a failure in `form`, next to the field it concerns when it names one. */
export function showError(form: HTMLElement, error: unknown, codeFields: CodeFields = {}): void {
  if (error instanceof StaleResponse) return;
  clearErrors(form);
  if (error instanceof FieldError) return showFieldError(form, error.field, error.message);
  if (error instanceof ApiError) {
    const byCode = codeFields[error.code];
    if (byCode) return showFieldError(form, byCode, error.message);
    const found = slotFor(form, error.field);
    // Under its own field the field's name goes without saying.
    if (found) return reveal(found.slot, found.exact ? error.detail : error.message);
  }
  showFieldError(form, null, describe(error));
}

/**
 * Runs `action` for a form's submit with its buttons disabled, and shows
 * what refused it. After a 429 the buttons stay disabled as long as
 * Retry-After asks. Resolves whether the action succeeded.
 */
export async function submitting(
  form: HTMLElement,
  action: () => Promise<void>,
  codeFields: CodeFields = {},
): Promise<boolean> {
  const buttons = [...form.querySelectorAll<HTMLButtonElement>("button")].filter((b) => !b.disabled);
  const enable = () => buttons.forEach((b) => (b.disabled = false));
  clearErrors(form);
  buttons.forEach((b) => (b.disabled = true));
  let holdSeconds = 0;
  try {
    await action();
    return true;
  } catch (error) {
    showError(form, error, codeFields);
    if (error instanceof ApiError && error.status === 429) holdSeconds = error.retryAfter ?? 60;
    return false;
  } finally {
    if (holdSeconds > 0) setTimeout(enable, holdSeconds * 1000);
    else enable();
  }
}

/** Calls `handler` on submit (never letting the browser navigate). */
export function onSubmit(form: HTMLFormElement, handler: () => Promise<void>, codeFields: CodeFields = {}): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submitting(form, handler, codeFields);
  });
}
