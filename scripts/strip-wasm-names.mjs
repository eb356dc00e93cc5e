// Removes the "name" custom section (function names for stack traces) from
// a wasm file, copying every other section byte for byte. worker-build
// keeps that section, which is about 100 KB raw and 30 KB gzipped; panics
// still log their message without it. Re-encoding with wasm-opt would work
// too, but only with exactly the features workerd's V8 supports.
//
// Usage: node scripts/strip-wasm-names.mjs build/index_bg.wasm

import { readFileSync, writeFileSync } from "node:fs";

function readLeb(bytes, offset) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, offset];
}

const path = process.argv[2];
const bytes = readFileSync(path);
const kept = [bytes.subarray(0, 8)]; // magic number and version
let offset = 8;
let removed = 0;
while (offset < bytes.length) {
  const start = offset;
  const id = bytes[offset++];
  const [size, payload] = readLeb(bytes, offset);
  const end = payload + size;
  let drop = false;
  if (id === 0) {
    const [nameLength, nameStart] = readLeb(bytes, payload);
    drop = bytes.subarray(nameStart, nameStart + nameLength).toString() === "name";
  }
  if (drop) removed += end - start;
  else kept.push(bytes.subarray(start, end));
  offset = end;
}
writeFileSync(path, Buffer.concat(kept));
console.log(`[build] removed ${removed} bytes of wasm names from ${path}`);
