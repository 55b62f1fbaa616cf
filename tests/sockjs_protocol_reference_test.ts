/**
 * Runs the SockJS protocol suite (tests/sockjs_protocol/) against the reference server: the npm
 * `sockjs` package (0.3.24) under Node, set up like sockjs-node's tests/test_server
 * (tests/fixtures/sockjs_reference_server.cjs).
 *
 * Run: `deno test -A --trace-leaks tests/sockjs_protocol_reference_test.ts`
 *
 * @module
 */

import { suiteAgainstChild } from "./sockjs_protocol/child.ts";

await suiteAgainstChild("reference (npm sockjs)", "node", [
  "--no-deprecation",
  new URL("./fixtures/sockjs_reference_server.cjs", import.meta.url).pathname,
  "0",
]);
