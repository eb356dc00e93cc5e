// Splits rows into request-sized chunks. A tool body may be at most 2 MiB
// (src/http.rs); chunks aim at half of that, so the JSON around the rows
// and any estimate error never push a request over the limit.

/** The largest JSON body the server accepts for a tool call. */
export const TOOL_BODY_LIMIT = 2 * 1024 * 1024;

/** The rows' share of each request body, in bytes of UTF-8 JSON. */
export const CHUNK_BYTES = TOOL_BODY_LIMIT / 2;

/** A run of consecutive rows: `start` is the index of its first row. */
export interface Chunk<T> {
  start: number;
  rows: T[];
}

/** The UTF-8 length of a string, without allocating its bytes. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair: one four-byte character.
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Consecutive chunks whose rows serialize to at most `maxBytes` each. A
 * single row larger than that cannot be sent at all, and throws.
 */
export function chunkBySize<T>(rows: T[], maxBytes = CHUNK_BYTES): Chunk<T>[] {
  const chunks: Chunk<T>[] = [];
  let current: Chunk<T> = { start: 0, rows: [] };
  let bytes = 0;
  rows.forEach((row, index) => {
    // +1 for the comma that separates it from the row before.
    const size = utf8Length(JSON.stringify(row)) + 1;
    if (size > maxBytes) {
      throw new Error(`row ${index + 1} alone is larger than one request may carry`);
    }
    if (bytes + size > maxBytes && current.rows.length > 0) {
      chunks.push(current);
      current = { start: index, rows: [] };
      bytes = 0;
    }
    current.rows.push(row);
    bytes += size;
  });
  if (current.rows.length > 0) chunks.push(current);
  return chunks;
}
