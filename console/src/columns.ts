// From a CSV header and its rows to a dataset's column definitions, and
// from text cells to the typed values create_dataset and append_rows take.
// Pure: the import screen suggests columns with it, and checks every row
// before the first request so a typing mistake never leaves half a dataset.

import type { ColumnDef, ColumnType } from "./types";

/** What the server accepts as a column name (src/tools/schemas.rs). */
export const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * SQLite's keywords and rowid aliases: the server refuses them as column
 * names (src/datasets/query.rs), so suggestions steer around them.
 */
const RESERVED = new Set(
  (
    "abort action add after all alter always analyze and as asc attach autoincrement before " +
    "begin between by cascade case cast check collate column commit conflict constraint create " +
    "cross current current_date current_time current_timestamp database default deferrable " +
    "deferred delete desc detach distinct do drop each else end escape except exclude exclusive " +
    "exists explain fail filter first following for foreign from full generated glob group " +
    "groups having if ignore immediate in index indexed initially inner insert instead " +
    "intersect into is isnull join key last left like limit match materialized natural no not " +
    "nothing notnull null nulls of offset on or order others outer over partition plan pragma " +
    "preceding primary query raise range recursive references regexp reindex release rename " +
    "replace restrict returning right rollback row rows savepoint select set table temp " +
    "temporary then ties to transaction trigger unbounded union unique update using vacuum " +
    "values view virtual when where window with without rowid oid"
  ).split(" "),
);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INTEGER = /^[-+]?\d+$/;
const REAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const UTC_TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{3})?Z$/;

/** Why `name` cannot name a column, or null when it can. */
export function columnNameProblem(name: string): string | null {
  if (!COLUMN_NAME.test(name)) {
    return "must start with a letter and hold only letters, digits and _ (at most 63)";
  }
  if (RESERVED.has(name.toLowerCase())) return "is an SQL keyword; choose another name";
  return null;
}

/**
 * A valid column name close to a header's text: accents dropped, other
 * characters turned into underscores, a letter in front when needed, SQL
 * keywords suffixed, and repeats numbered (names compare ignoring case).
 */
export function suggestNames(header: string[]): string[] {
  const taken = new Set<string>();
  return header.map((text, index) => {
    const base = sanitize(text) || `column_${index + 1}`;
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n += 1) {
      const suffix = `_${n}`;
      name = base.slice(0, 63 - suffix.length) + suffix;
    }
    taken.add(name.toLowerCase());
    return name;
  });
}

function sanitize(text: string): string {
  let name = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (name === "") return "";
  if (!/^[A-Za-z]/.test(name)) name = `c_${name}`;
  name = name.slice(0, 63).replace(/_+$/, "");
  if (RESERVED.has(name.toLowerCase())) name = `${name.slice(0, 59)}_col`;
  return name;
}

function isDate(text: string): boolean {
  const [day, time] = text.split("T", 2) as [string, string | undefined];
  const match = DAY.exec(day);
  if (!match) return false;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const validDay = month >= 1 && month <= 12 && date >= 1 && date <= last;
  return validDay && (time === undefined || UTC_TIME.test(time));
}

function isInteger(text: string): boolean {
  return INTEGER.test(text) && Math.abs(Number(text)) <= MAX_SAFE;
}

/** The narrowest type every non-empty cell fits, tried in this order. */
const CANDIDATES: [ColumnType, (text: string) => boolean][] = [
  ["boolean", (t) => BOOLEAN.test(t)],
  ["integer", isInteger],
  ["real", (t) => REAL.test(t) && Number.isFinite(Number(t))],
  ["date", isDate],
];

/**
 * Column definitions for a table: a suggested name and the narrowest type
 * that fits every non-empty cell (text when none does, or when the column
 * is empty), nullable when some cell is empty.
 */
export function inferColumns(header: string[], rows: string[][]): ColumnDef[] {
  const names = suggestNames(header);
  return header.map((_, index) => {
    const cells = rows.map((row) => (row[index] ?? "").trim());
    const filled = cells.filter((cell) => cell !== "");
    const fit = CANDIDATES.find(([, fits]) => filled.length > 0 && filled.every(fits));
    return {
      name: names[index] ?? `column_${index + 1}`,
      type: fit ? fit[0] : "text",
      nullable: filled.length < cells.length,
    };
  });
}

/** A cell that does not fit its column: where, and why. */
export class CellError extends Error {
  constructor(
    readonly row: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

export type Cell = string | number | boolean | null;

/** The value a cell's text stands for in a column of `type`. */
export function convertCell(text: string, column: ColumnDef): Cell {
  const trimmed = text.trim();
  if (trimmed === "") {
    if (column.nullable) return null;
    // A text column keeps an empty string: it is a value, not a gap.
    if (column.type === "text") return text;
    throw new Error("is empty, and the column is not nullable");
  }
  switch (column.type) {
    case "text":
      return text;
    case "integer":
      if (!isInteger(trimmed)) throw new Error(`"${trimmed}" is not an integer`);
      return Number(trimmed);
    case "real":
      if (!REAL.test(trimmed) || !Number.isFinite(Number(trimmed))) {
        throw new Error(`"${trimmed}" is not a number`);
      }
      return Number(trimmed);
    case "boolean":
      if (!BOOLEAN.test(trimmed)) throw new Error(`"${trimmed}" is not true or false`);
      return trimmed.toLowerCase() === "true";
    case "date":
      if (!isDate(trimmed)) {
        throw new Error(`"${trimmed}" is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`);
      }
      return trimmed;
  }
}

/**
 * Every row as an object keyed by column name. The first cell that does
 * not fit throws a CellError naming its row (from 1) and column index.
 */
export function convertRows(rows: string[][], columns: ColumnDef[]): Record<string, Cell>[] {
  return rows.map((row, r) => {
    const object: Record<string, Cell> = {};
    columns.forEach((column, c) => {
      try {
        object[column.name] = convertCell(row[c] ?? "", column);
      } catch (error) {
        throw new CellError(r + 1, c, (error as Error).message);
      }
    });
    return object;
  });
}
