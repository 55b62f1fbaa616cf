/**
 * Runs the SockJS protocol suite against a server in a child process that prints
 * `listening <port>` once it listens. The child starts when the test module loads (so
 * `--filter` works) and a last test stops it.
 *
 * @module
 */

import { defineSockjsProtocolSuite } from "./suite.ts";

const STARTUP_TIMEOUT_MS = 15_000;

/** Reads the `listening <port>` line, then releases the stream (left unread until shutdown). */
async function readPort(stdout: ReadableStream<Uint8Array>, name: string): Promise<number> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
  });
  try {
    while (!text.includes("\n")) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error(`${name} exited before listening (output: ${text})`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  const m = /^listening (\d+)\n/.exec(text);
  if (!m) throw new Error(`unexpected output from ${name}: ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/**
 * Starts `cmd args` and registers the whole suite against it, named `name`, skipping the tests
 * in `skip` (with the printed reason), plus a last test that stops the child.
 */
export async function suiteAgainstChild(
  name: string,
  cmd: string,
  args: string[],
  skip: Record<string, string> = {},
): Promise<void> {
  const child = new Deno.Command(cmd, {
    args,
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
    port = await readPort(child.stdout, name);
  } catch (err) {
    stopped = true;
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel();
    throw err;
  }
  defineSockjsProtocolSuite(name, { baseUrl: () => `http://127.0.0.1:${port}`, skip });
  Deno.test({
    name: `${name}: stop the server`,
    // The child and its stdout pipe were opened when the module loaded, outside any test.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      stopped = true;
      child.kill("SIGTERM");
      const status = await child.status;
      await child.stdout.cancel();
      if (!status.success && status.signal !== "SIGTERM") {
        throw new Error(`${name} exited with code ${status.code}`);
      }
    },
  });
}
