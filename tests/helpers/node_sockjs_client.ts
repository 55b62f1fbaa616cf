/**
 * The npm sockjs-client in Node (tests/fixtures/sockjs_client.cjs), as an async iterator over
 * the lines it prints.
 *
 * @module
 */

import { KEY, type Target } from "./target.ts";

const FIXTURE = new URL("../fixtures/sockjs_client.cjs", import.meta.url).pathname;

/** Runs the Node sockjs-client fixture and gives its output line by line. */
export async function* nodeSockjsClient(
  target: Target,
  transport: string,
  user: string,
  channels: string,
  count: number,
): AsyncGenerator<string> {
  const child = new Deno.Command("node", {
    args: [FIXTURE, target.base, transport, user, KEY, channels, String(count)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let buffer = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        yield buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
      }
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
  }
}
