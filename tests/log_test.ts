/** The logger: levels, text lines and JSON lines. */

import assert from "node:assert/strict";
import { Logger } from "../lib/log.ts";

Deno.test("Logger writes text lines at its level and below", () => {
  const lines: string[] = [];
  const log = new Logger("verbose", (line) => lines.push(line));
  log.info("started");
  log.verbose("detail");
  log.debug("frame");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO started$/);
  assert.match(lines[1], / VERBOSE detail$/);
});

Deno.test("Logger writes one JSON object per line with time, level, event and fields", () => {
  const lines: string[] = [];
  const log = new Logger("debug", (line) => lines.push(line), "json");
  log.info("Starting", { event: "start", address: "[::]:8080" });
  log.warn("careful");
  const first = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(first), ["time", "level", "event", "message", "address"]);
  assert.equal(first.level, "info");
  assert.equal(first.event, "start");
  assert.equal(first.address, "[::]:8080");
  assert.equal(JSON.parse(lines[1]).event, "log");
  assert.equal(JSON.parse(lines[1]).level, "warning");
});
