// Creating a dataset from a CSV file. The file is parsed here, its columns
// suggested (names made valid, types inferred) and left editable; every row
// is converted and checked before the first request, then sent in chunks
// that fit the 2 MiB tool body limit: create_dataset with the first,
// append_rows with each of the others, a progress bar counting rows.
//
// Each chunk is all or nothing on the server, so when one fails the rows
// of the chunks before it are in the dataset and the rest are not; the
// panel says exactly how many landed and can send the rest again.

import { ApiError, tool } from "../api";
import { forget } from "../cache";
import { chunkBySize, type Chunk } from "../chunks";
import { columnNameProblem, convertRows, inferColumns, CellError, type Cell } from "../columns";
import { parseCsv, type CsvTable } from "../csv";
import { button, formatValue, h, replace, same, select } from "../dom";
import { field, FieldError, formError, onSubmit, showError } from "../forms";
import type { ColumnDef, ColumnType, Dataset } from "../types";

const TYPES: ColumnType[] = ["text", "integer", "real", "boolean", "date"];
type Row = Record<string, Cell>;

/** A file read and parsed, waiting for its columns to be confirmed. */
interface Parsed {
  table: CsvTable;
  suggested: ColumnDef[];
}

/** An import under way: what was sent, and what is still to send. */
interface Upload {
  dataset: Dataset;
  chunks: Chunk<Row>[];
  total: number;
  /** The index of the next chunk to send. */
  next: number;
  landed: number;
}

const count = (n: number) => formatValue(n);

function datasetName(fileName: string): string {
  return fileName.replace(/\.[^.]*$/, "").trim().slice(0, 200) || "Imported data";
}

function samples(rows: string[][], index: number): string {
  const values = rows
    .map((row) => row[index] ?? "")
    .filter((v) => v.trim() !== "")
    .slice(0, 3)
    .map((v) => (v.length > 24 ? `${v.slice(0, 24)}…` : v));
  return values.join(" · ");
}

/** One column's editable definition, with its header and sample values. */
function columnEditor(parsed: Parsed, index: number): HTMLElement {
  const column = parsed.suggested[index] as ColumnDef;
  const nullable = h("input", { type: "checkbox", name: `nullable-${index}`, checked: column.nullable ?? false });
  return h(
    "fieldset",
    { class: "column-card", "data-column": index },
    h("legend", {}, parsed.table.header[index] || `(column ${index + 1})`),
    field("Name", h("input", { type: "text", name: `name-${index}`, value: column.name }), `columns[${index}].name`),
    field("Type", select(`type-${index}`, same(TYPES), column.type), `columns[${index}].type`),
    h("label", { class: "check" }, nullable, " may be empty"),
    h("p", { class: "hint" }, samples(parsed.table.rows, index) || "(empty)"),
  );
}

/** The column definitions as edited. */
function editedColumns(form: HTMLFormElement, columnCount: number): ColumnDef[] {
  const control = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  return Array.from({ length: columnCount }, (_, i) => ({
    name: control(`name-${i}`).value.trim(),
    type: control(`type-${i}`).value as ColumnType,
    nullable: (control(`nullable-${i}`) as HTMLInputElement).checked,
  }));
}

/** Refuses what the server would refuse about the columns, field by field. */
function checkColumns(columns: ColumnDef[]): void {
  const seen = new Set<string>();
  columns.forEach((column, i) => {
    const problem = columnNameProblem(column.name);
    if (problem) throw new FieldError(`columns[${i}].name`, problem);
    if (seen.has(column.name.toLowerCase())) {
      throw new FieldError(`columns[${i}].name`, "repeats an earlier column (names ignore case)");
    }
    seen.add(column.name.toLowerCase());
  });
}

/** Every row typed by its column; a cell that does not fit names its row. */
function typedRows(table: CsvTable, columns: ColumnDef[]): Row[] {
  try {
    return convertRows(table.rows, columns);
  } catch (error) {
    if (error instanceof CellError) {
      throw new FieldError(`columns[${error.column}].type`, `row ${count(error.row)}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * A refusal of a chunk's rows (`rows[12].amount: …`) names the row within
 * the chunk; people need its row number in the file.
 */
function inFileTerms(error: unknown, chunk: Chunk<Row>): unknown {
  if (!(error instanceof ApiError) || !error.field?.startsWith("rows[")) return error;
  const found = /^rows\[(\d+)\]\.?(.*)$/.exec(error.field);
  if (!found) return error;
  const row = chunk.start + Number(found[1]) + 1;
  const column = found[2] ? ` (${found[2]})` : "";
  return new FieldError(null, `Row ${count(row)} of the file${column}: ${error.detail}`);
}

/** The progress bar and what it says. */
class Progress {
  readonly element: HTMLElement;
  private readonly bar = h("progress", { max: 1, value: 0 });
  private readonly label = h("span", { class: "progress-label", "aria-live": "polite" });

  constructor() {
    this.element = h("div", { class: "progress", hidden: true }, this.bar, this.label);
  }

  update(landed: number, total: number): void {
    this.element.hidden = false;
    this.bar.max = total;
    this.bar.value = landed;
    this.label.textContent = `${count(landed)} of ${count(total)} rows imported`;
  }
}

/** Sends the remaining chunks, updating `progress`; answers the failure, if any. */
async function sendRemaining(upload: Upload, progress: Progress): Promise<unknown> {
  for (; upload.next < upload.chunks.length; upload.next += 1) {
    const chunk = upload.chunks[upload.next] as Chunk<Row>;
    try {
      await tool("append_rows", { datasetId: upload.dataset.id, rows: chunk.rows });
    } catch (error) {
      return inFileTerms(error, chunk);
    }
    upload.landed += chunk.rows.length;
    progress.update(upload.landed, upload.total);
  }
  return null;
}

function datasetLink(dataset: Dataset): HTMLElement {
  return h("a", { href: `#/datasets/${encodeURIComponent(dataset.id)}` }, dataset.name);
}

/** Reports how the upload ended, offering to send the rest after a failure. */
function report(outcome: HTMLElement, upload: Upload, failure: unknown, progress: Progress, done: () => void): void {
  if (failure === null) {
    replace(
      outcome,
      h("p", { class: "success", role: "status" }, `Imported ${count(upload.landed)} rows into `, datasetLink(upload.dataset), "."),
    );
    done();
    return;
  }
  const chunk = upload.chunks[upload.next] as Chunk<Row>;
  const first = chunk.start + 1;
  const last = chunk.start + chunk.rows.length;
  const message = failure instanceof Error ? failure.message : String(failure);
  const retry = button("Send the remaining rows again", () => {
    retry.disabled = true;
    void sendRemaining(upload, progress).then((next) => report(outcome, upload, next, progress, done));
  });
  replace(
    outcome,
    h(
      "div",
      { class: "form-error", role: "alert" },
      h(
        "p",
        {},
        `Only ${count(upload.landed)} of ${count(upload.total)} rows were imported into `,
        datasetLink(upload.dataset),
        `. The request carrying rows ${count(first)}–${count(last)} failed (${message}), so rows from ${count(first)} on are not in it.`,
      ),
      retry,
    ),
  );
  done();
}

/** The form for a parsed file: dataset name, columns, and the import. */
function editor(parsed: Parsed, fileName: string, done: () => void): HTMLFormElement {
  const { table } = parsed;
  const name = h("input", { type: "text", name: "name", value: datasetName(fileName) });
  const progress = new Progress();
  const outcome = h("div", { class: "outcome" });
  const submit = h("button", { type: "submit", class: "primary" }, "Import");
  const form = h(
    "form",
    { class: "import-editor", novalidate: true, "aria-label": "Columns" },
    h("p", {}, `${count(table.rows.length)} rows and ${table.header.length} columns in ${fileName}.`),
    formError(),
    field("Dataset name", name, "name"),
    h("div", { class: "columns-editor" }, ...table.header.map((_, i) => columnEditor(parsed, i))),
    submit,
    progress.element,
    outcome,
  );
  onSubmit(form, async () => {
    replace(outcome);
    const columns = editedColumns(form, table.header.length);
    checkColumns(columns);
    const rows = typedRows(table, columns);
    const chunks = chunkBySize(rows);
    const first = chunks[0] ?? { start: 0, rows: [] };
    progress.update(0, rows.length);

    let dataset: Dataset;
    try {
      dataset = await tool<Dataset>("create_dataset", { name: name.value, columns, rows: first.rows });
    } catch (error) {
      throw inFileTerms(error, first);
    }
    forget("list_datasets");
    // The dataset exists now: importing again would make a second one.
    submit.hidden = true;
    const upload: Upload = { dataset, chunks, total: rows.length, next: 1, landed: first.rows.length };
    progress.update(upload.landed, upload.total);
    report(outcome, upload, await sendRemaining(upload, progress), progress, done);
  });
  return form;
}

/** The import panel; `imported` runs after a dataset was created. */
export function importPanel(imported: () => void): HTMLElement {
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv" });
  const chooser = h("form", { novalidate: true, "aria-label": "CSV file" }, formError(), field("CSV file", file, "file"));
  const area = h("div", {});
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    replace(area);
    if (!chosen) return;
    chosen.text().then(
      (text) => {
        try {
          const table = parseCsv(text);
          replace(area, editor({ table, suggested: inferColumns(table.header, table.rows) }, chosen.name, imported));
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          showError(chooser, new FieldError("file", `This file cannot be read as CSV: ${why}`));
        }
      },
      (error: unknown) => showError(chooser, error),
    );
  });
  return h(
    "section",
    { class: "card", "aria-label": "Import a CSV file" },
    h("h2", {}, "Import a CSV file"),
    h("p", { class: "muted" }, "The first line names the columns. Check the names and types before importing."),
    chooser,
    area,
  );
}
