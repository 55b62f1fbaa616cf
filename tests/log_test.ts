/** The logger: levels, text lines and JSON lines. */

import assert from "node:assert/strict";
import { escapeLogText, Logger, MAX_LOG_TEXT } from "../lib/log.ts";

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

Deno.test("escapeLogText() escapes what could end, fake or color a line, and cuts long texts", () => {
  assert.equal(escapeLogText("plain \\ text é 😀"), "plain \\ text é 😀");
  assert.equal(escapeLogText("a\nb\rc\td"), "a\\nb\\rc\\td");
  assert.equal(escapeLogText("\u001b[31m\u009b\u0085\u007f"), "\\u001b[31m\\u009b\\u0085\\u007f");
  assert.equal(escapeLogText("\u2028\u2029\u202e\u2066"), "\\u2028\\u2029\\u202e\\u2066");
  assert.equal(escapeLogText("\ud800 \udc00 \ud83d\ude00"), "\\ud800 \\udc00 😀");
  assert.equal(escapeLogText("abcdef", 4), "abcd... (2 more characters)");
  assert.equal(escapeLogText("a\n\n\n", 4), "a\\n... (2 more characters)");
  assert.equal(escapeLogText("abc😀", 4), "abc... (2 more characters)"); // not half a pair
  const long = escapeLogText("\n".repeat(1_000_000));
  assert.ok(long.length <= MAX_LOG_TEXT + 40, String(long.length));
});

Deno.test("Logger escapes and cuts text and JSON lines at every level", () => {
  const lines: string[] = [];
  const text = new Logger("verbose", (line) => lines.push(line));
  text.error("x\ny");
  text.verbose("z".repeat(MAX_LOG_TEXT + 1));
  assert.match(lines[0], / ERROR x\\ny$/);
  assert.match(lines[1], /z\.\.\. \(1 more characters\)$/);
  const json = new Logger("info", (line) => lines.push(line), "json");
  json.info("a\u2028b", { event: "e", frame: "\u001b\u0085".repeat(MAX_LOG_TEXT) });
  // deno-lint-ignore no-control-regex -- control characters are what is looked for
  assert.doesNotMatch(lines[2], /[\u2028\u0085\u001b]/);
  const parsed = JSON.parse(lines[2]);
  assert.equal(parsed.message, "a\u2028b");
  assert.ok(parsed.frame.startsWith("\u001b\u0085"));
  assert.match(parsed.frame, /\.\.\. \(2048 more characters\)$/);
});

Deno.test("Logger drops verbose and debug lines over its rate and counts them", () => {
  const lines: string[] = [];
  const log = new Logger("debug", (line) => lines.push(line), "text", {
    maxVerboseLinesPerSecond: 10,
  });
  for (let i = 0; i < 30; i++) log.verbose(`v${i}`);
  log.debug("d");
  assert.equal(lines.length, 10);
  log.info("after");
  assert.match(lines[10], /WARNING 21 verbose or debug lines suppressed \(more than 10 a second\)/);
  assert.match(lines[11], /INFO after$/);
  const unlimited: string[] = [];
  const all = new Logger("verbose", (line) => unlimited.push(line), "text", {
    maxVerboseLinesPerSecond: 0,
  });
  for (let i = 0; i < 5_000; i++) all.verbose(`v${i}`);
  assert.equal(unlimited.length, 5_000);
});
