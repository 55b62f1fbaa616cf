/**
 * Runs the SockJS protocol suite (tests/sockjs_protocol/) against the reference server: the npm
 * `sockjs` package (0.3.24) under Node, set up like sockjs-node's tests/test_server
 * (tests/fixtures/sockjs_reference_server.cjs).
 *
 * The Node child is started when this module loads (so `--filter` works) and stopped by the
 * last test. The suite's own tests run with all sanitizers on: they see neither the child nor
 * its pipes being opened or closed.
 *
 * Run: `deno test -A --trace-leaks tests/sockjs_protocol_reference_test.ts`
 *
 * @module
 */

import { defineSockjsProtocolSuite } from "./sockjs_protocol/suite.ts";

const NAME = "reference (npm sockjs)";
const FIXTURE = new URL("./fixtures/sockjs_reference_server.cjs", import.meta.url).pathname;
const STARTUP_TIMEOUT_MS = 10_000;

/** Reads the `listening <port>` line, then releases the stream (left unread until shutdown). */
async function readPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`reference server did not start within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
  });
  try {
    while (!text.includes("\n")) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error(`reference server exited before listening (output: ${text})`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  const m = /^listening (\d+)\n/.exec(text);
  if (!m) throw new Error(`unexpected output from the reference server: ${JSON.stringify(text)}`);
  return Number(m[1]);
}

const child = new Deno.Command("node", {
  args: ["--no-deprecation", FIXTURE, "0"],
  stdin: "null",
  stdout: "piped",
  stderr: "inherit",
}).spawn();

// Never leave the child behind, even if the stop test is filtered out or the run aborts.
let stopped = false;
globalThis.addEventListener("unload", () => {
  if (stopped) return;
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
});

let port: number;
try {
  port = await readPort(child.stdout);
} catch (err) {
  stopped = true;
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel();
  throw err;
}

defineSockjsProtocolSuite(NAME, { baseUrl: () => `http://127.0.0.1:${port}` });

Deno.test({
  name: `${NAME}: stop reference server`,
  // The child and its stdout pipe were opened when the module loaded, outside any test.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    stopped = true;
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stdout.cancel();
    if (!status.success && status.signal !== "SIGTERM") {
      throw new Error(`reference server exited with code ${status.code}`);
    }
  },
});
