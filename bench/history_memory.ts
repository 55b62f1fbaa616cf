/**
 * Memory per kept history message, measured in a process of its own (run with
 * `--v8-flags=--expose-gc` by bench/history.ts): `channels` channels of an in-memory history
 * keeping `size` pushes each are filled with distinct payloads of `bytes` characters, and the heap
 * grows by this much per kept push (payload included). Prints one JSON line.
 *
 * @module
 */

import { MemoryHistory } from "../lib/history/memory.ts";

const [channels = 100, size = 1_000, bytes = 100] = Deno.args.map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return Deno.memoryUsage().heapUsed;
}

const history = new MemoryHistory({ size, ttl: 3_600 });
const before = heap();
const filler = "x".repeat(bytes - 11);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
for (let c = 0; c < channels; c++) {
  // Twice the size: the cap trims the first half, as in a steady state. Each payload decoded
  // from bytes, as a request body is (a flat string, not a concatenation sharing `filler`).
  for (let i = 0; i < 2 * size; i++) {
    const text = `"${String(c * 1e6 + i).padStart(9, "0")}${filler}"`;
    history.append(`ch${c}`, decoder.decode(encoder.encode(text)));
  }
}
const after = heap();
const kept = history.stats();
Deno.stdout.writeSync(new TextEncoder().encode(
  JSON.stringify({
    channels,
    size,
    payloadBytes: bytes,
    kept: kept.messages,
    heapBytes: after - before,
    bytesPerMessage: Math.round((after - before) / kept.messages),
    overheadPerMessage: Math.round((after - before) / kept.messages - bytes),
  }) + "\n",
));
