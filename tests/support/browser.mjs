// Headless Chromium for the console's end-to-end tests: Debian's browser
// driven by playwright-core, with pages that record every console error
// and page error so a test can fail on them.
//
// Chromium logs each HTTP error response a page's fetch receives as a
// console error ("Failed to load resource: ... status of 404"). A test that
// provokes refusals on purpose says which statuses it expects with
// `expectingHttpErrors`; any other console error fails the test.

import { chromium } from "playwright-core";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  // Without these Chromium keeps calling home, into a closed network.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts Debian's Chromium. */
export function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
}

const RESOURCE_ERROR = /^Failed to load resource: the server responded with a status of (\d{3})/;

/**
 * A fresh browser context (its own cookies) with one page on `base`, and
 * the errors seen on it. `viewport` defaults to a desktop's.
 */
export async function openPage(browser, base, { viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ baseURL: base, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = [];
  let allowed = new Set();
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const status = RESOURCE_ERROR.exec(message.text())?.[1];
    if (status && allowed.has(Number(status))) return;
    errors.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));

  return {
    context,
    page,
    errors,
    /** Runs `steps`, during which answers with these statuses are expected. */
    async expectingHttpErrors(statuses, steps) {
      allowed = new Set(statuses);
      try {
        return await steps();
      } finally {
        allowed = new Set();
      }
    },
  };
}

/** Signs up through the console's form; resolves once the dashboards show. */
export async function signUp(page, { name, email, password }) {
  await page.goto("/#/sign-up");
  const form = page.getByRole("form", { name: "Sign up" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("heading", { name: "Dashboards", level: 1 }).waitFor();
}

let counter = 0;

/** An email address no other test uses. */
export function uniqueEmail(prefix) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}
