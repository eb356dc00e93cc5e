// Answers kept for the forms that need them on several screens (the
// datasets a widget may read, the dashboards a report may render). Keyed by
// tool name; emptied whenever the organization changes, so nothing cached
// for one organization is ever shown in another.

import { tool } from "./api";

const answers = new Map<string, Promise<unknown>>();

/** The answer of a tool that takes no arguments, fetched once. */
export function cached<T>(name: string): Promise<T> {
  let answer = answers.get(name);
  if (!answer) {
    const asked = tool<T>(name);
    // A failed request is not kept: the next caller asks again.
    asked.catch(() => {
      if (answers.get(name) === asked) answers.delete(name);
    });
    answers.set(name, asked);
    answer = asked;
  }
  return answer as Promise<T>;
}

/** Forgets one answer, after a change that makes it out of date. */
export function forget(name: string): void {
  answers.delete(name);
}

/** Forgets everything: on an organization switch and on sign-out. */
export function clearCache(): void {
  answers.clear();
}
