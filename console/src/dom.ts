// Building the page: elements are created one by one and text is only ever
// set as text (a Text node or textContent), never parsed as HTML, because
// every name, title and cell shown comes from users or agents.

export type Child = Node | string | number | null | undefined | false;
type Listener = (event: Event) => void;
/** Attributes by name; `on…` keys add listeners; false and null are left out. */
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>;

/** An element with attributes, listeners and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (value === true) {
      element.setAttribute(key, "");
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends children, turning strings and numbers into text nodes. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A select with its options; `selected` picks one by value. */
export function select(
  name: string,
  options: readonly (readonly [value: string, label: string])[],
  selected?: string,
  attrs: Attrs = {},
): HTMLSelectElement {
  const element = h("select", { name, ...attrs });
  for (const [value, label] of options) {
    const option = h("option", { value }, label);
    option.selected = value === selected;
    element.append(option);
  }
  return element;
}

/** Options whose value is their label. */
export function same(values: readonly string[]): [string, string][] {
  return values.map((value) => [value, value]);
}

const numbers = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const dates = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });

/** A cell value as shown: numbers grouped, null as an em dash. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return numbers.format(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** A moment (epoch ms or ISO text) as a short local date and time. */
export function formatDate(value: number | string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dates.format(date);
}

/** A table of rows keyed by column name, in a box that scrolls sideways. */
export function dataTable(columns: string[], rows: Record<string, unknown>[]): HTMLElement {
  const head = h("tr", {}, ...columns.map((name) => h("th", { scope: "col" }, name)));
  const cell = (value: unknown) => {
    const text = formatValue(value);
    // Cells stay on one line; a long one is cut short and shown whole on hover.
    return h("td", { title: text.length > 40 ? text : null }, text);
  };
  const body = rows.map((row) => h("tr", {}, ...columns.map((name) => cell(row[name]))));
  const table = h("table", { class: "data" }, h("thead", {}, head), h("tbody", {}, ...body));
  return h("div", { class: "table-wrap" }, table);
}

/** A button that runs `action` when clicked. */
export function button(label: string, action: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return h("button", { type: "button", ...attrs, onclick: () => action() }, label);
}

/**
 * A button for an action that cannot be undone: the first click asks for a
 * second one within a few seconds, so a slip deletes nothing. (No
 * `confirm()` dialog: it blocks the page and cannot be styled.)
 */
export function confirmButton(label: string, action: () => void, attrs: Attrs = {}): HTMLButtonElement {
  let timer: number | undefined;
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
    element.textContent = label;
  };
  const element = button(
    label,
    () => {
      if (timer === undefined) {
        element.textContent = `Confirm: ${label.toLowerCase()}`;
        timer = window.setTimeout(disarm, 4000);
        return;
      }
      disarm();
      action();
    },
    { class: "danger", ...attrs },
  );
  return element;
}
