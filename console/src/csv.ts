// Parses CSV text (RFC 4180 as spreadsheets write it) into rows of strings:
// quoted fields may hold commas, doubled quotes and line breaks; lines end
// in LF, CRLF or a lone CR. Pure, so the import screen can run it on a
// whole file before anything is sent.

/** A parsed file: the header's fields and the data rows after it. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** A file that cannot be read as a table; the message says where. */
export class CsvError extends Error {}

/**
 * Splits `text` into records of fields. A record that is one empty field
 * (a blank line) is dropped: spreadsheets often end a file with one.
 */
export function parseRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0] !== "") records.push(record);
    record = [];
    field = "";
  };

  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
      } else {
        if (c === "\n") line += 1;
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      quoteLine = line;
    } else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" || c === "\n") {
      endRecord();
      line += 1;
      // CRLF is one line end, not two.
      if (c === "\r" && text[i + 1] === "\n") i += 1;
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) throw new CsvError(`the quote opened on line ${quoteLine} is never closed`);
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

/**
 * The header and data rows of a file. Rows shorter than the header are
 * padded with empty fields (trailing empty cells are often left out);
 * a longer row is refused, since its extra values would have no column.
 */
export function parseCsv(text: string): CsvTable {
  const [header, ...rows] = parseRecords(text);
  if (!header) throw new CsvError("the file is empty");
  rows.forEach((row, index) => {
    if (row.length > header.length) {
      throw new CsvError(
        `data row ${index + 1} has ${row.length} fields but the header has ${header.length}`,
      );
    }
    while (row.length < header.length) row.push("");
  });
  return { header, rows };
}
