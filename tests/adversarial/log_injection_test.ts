/**
 * Log injection and flooding: what clients choose (user ids, channel names, frames) reaches the
 * log at `-v` and `-d`. Read from the server's real stderr (the CLI as a subprocess, on Deno and
 * the Node build): no client can write a line of its own, a terminal control sequence or more
 * than `MAX_LOG_TEXT` characters in a line, and clients flooding long commands under the command
 * rate limit grow the log by a bounded amount.
 */

import assert from "node:assert/strict";
import { MAX_LOG_TEXT } from "../../lib/log.ts";
import { ensureNpmBuild, NPM_BIN } from "../helpers/node_target.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { eventually, KEY, listenArgs, type Runtime, SECRET } from "../helpers/target.ts";

/** What a line of the text format starts with. */
const LINE_START = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING|ERROR|VERBOSE|DEBUG) /;
/**
 * What no log line may hold raw: controls but LF (CR, ESC, CSI, NEL...), the Unicode line and
 * paragraph separators, bidirectional overrides and isolates, and U+FFFD (what a lone surrogate
 * becomes in UTF-8).
 */
const UNSAFE =
  // deno-lint-ignore no-control-regex -- control characters are what is looked for
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

/** Channel-name parts built to forge lines, move the cursor or reorder what a reader sees. */
const FORGERIES = [
  "a\n2026-01-01T00:00:00.000Z INFO forged by LF",
  "b\r2026-01-01T00:00:00.000Z INFO forged by CR",
  "c\u2028forged by LS",
  "d\u2029forged by PS",
  "e\u0085forged by NEL",
  "f\u001b[2J\u001b[1;1Hforged by ANSI",
  "g\u009b31mforged by CSI",
  "h\u202eforged by RLO",
  "i\ud800lone\udc00surrogates",
  "j\u0000nul\ttab",
];

/** How much of a server's stderr is kept as text (all of it is counted). */
const KEPT = 8 * 2 ** 20;

/** A CLI server whose stderr is counted, and kept up to `KEPT` characters. */
interface LoggingServer {
  readonly base: string;
  /** Bytes written to stderr so far. */
  bytes(): number;
  /** The first `KEPT` characters of stderr. */
  stderr(): string;
}

/**
 * Starts the CLI on `runtime` with `flags`, runs `test`, always stops the server, and answers
 * what it wrote to stderr (up to `KEPT` characters). Started here rather than by `startCli`,
 * whose helper keeps all of stderr, so that a flood before the fix costs memory, not minutes.
 */
async function withCli(
  runtime: Runtime,
  flags: string[],
  test: (server: LoggingServer) => Promise<void>,
): Promise<string> {
  if (runtime === "node") await ensureNpmBuild();
  const pidPath = await Deno.makeTempFile({ prefix: "thunderpush-log-", suffix: ".pid" });
  const args = listenArgs(pidPath, ...flags, KEY, SECRET);
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const child = runtime === "deno"
    ? new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, ...args],
      stdout: "null",
      stderr: "piped",
    })
      .spawn()
    : new Deno.Command("node", {
      args: [NPM_BIN, ...args],
      stdout: "null",
      stderr: "piped",
    }).spawn();
  let bytes = 0;
  let text = "";
  const port = Promise.withResolvers<number>();
  const pump = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      bytes += chunk.length;
      if (text.length >= KEPT) continue;
      text += decoder.decode(chunk, { stream: true });
      const m = /Starting Thunderpush server at [^\s"]*:(\d+)/.exec(text.slice(0, 4096));
      if (m) port.resolve(Number(m[1]));
    }
    port.reject(new Error(`the server exited before it started:\n${text}`));
  })();
  const timer = setTimeout(() => port.reject(new Error(`no start:\n${text}`)), 15_000);
  try {
    const base = `http://127.0.0.1:${await port.promise}`;
    await test({ base, bytes: () => bytes, stderr: () => text });
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGTERM");
    } catch { /* gone already */ }
    await child.status;
    await pump;
    await Deno.remove(pidPath).catch(() => {});
  }
  return text;
}

/** The lines of a log, without the empty one after the last newline. */
const linesOf = (log: string) => log.split("\n").filter((line) => line !== "");

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`a client cannot forge log lines or send control sequences (${runtime}, text)`, async () => {
    const log = await withCli(runtime, ["-d"], async ({ base, stderr }) => {
      const client = await SockjsWs.session(base);
      client.send(`CONNECT evil\u2028user\n:${KEY}`, `SUBSCRIBE ok:${FORGERIES.join(":")}`);
      await eventually(() => Promise.resolve(stderr().includes("subscribed")));
      await client.close();
      // The raw WebSocket endpoint: frames are the commands, traced as they come.
      const raw = await SockjsWs.open(base, "/connect/websocket");
      raw.sendRaw(`CONNECT raw:${KEY}`);
      raw.sendRaw("SUBSCRIBE raw\n2026-01-01T00:00:00.000Z INFO forged by a raw frame");
      await eventually(() => Promise.resolve(stderr().includes("raw frame")));
      await raw.close();
    });
    for (const line of linesOf(log)) assert.match(line, LINE_START);
    assert.doesNotMatch(log, UNSAFE);
    // The escapes say what was sent.
    for (const escape of ["\\n2026", "\\r2026", "\\u2028", "\\u001b[2J", "\\u009b", "\\ud800"]) {
      assert.ok(log.includes(escape), escape);
    }
  });

  Deno.test(`a client cannot forge log lines or send control sequences (${runtime}, json)`, async () => {
    const log = await withCli(runtime, ["-d", "--log-format", "json"], async ({ base, stderr }) => {
      const client = await SockjsWs.session(base);
      client.send(`CONNECT evil\u2028user:${KEY}`, `SUBSCRIBE ok:${FORGERIES.join(":")}`);
      await eventually(() => Promise.resolve(stderr().includes("subscribed")));
      await client.close();
      const raw = await SockjsWs.open(base, "/connect/websocket");
      raw.sendRaw(`CONNECT raw:${KEY}`);
      raw.sendRaw("SUBSCRIBE raw\n{}\u2028{}");
      await eventually(() => Promise.resolve(stderr().includes("SUBSCRIBE raw")));
      await raw.close();
    });
    assert.doesNotMatch(log, UNSAFE);
    const messages = linesOf(log).map((line) => JSON.parse(line).message as string);
    // What was sent is what the JSON says, lone surrogates and all.
    assert.ok(messages.some((m) => m.includes(FORGERIES.join(":"))));
    assert.ok(messages.some((m) => m.includes("SUBSCRIBE raw\n{}\u2028{}")));
  });

  Deno.test(`a client's long commands are cut in the log (${runtime})`, async () => {
    const channels = Array.from({ length: 6_000 }, (_, i) => `c${i}`).join(":");
    const log = await withCli(runtime, ["-d"], async ({ base, stderr }) => {
      const [long, many] = await Promise.all([SockjsWs.session(base), SockjsWs.session(base)]);
      long.send(`CONNECT long${"\n".repeat(10_000)}:${KEY}`);
      many.send(`CONNECT many:${KEY}`, `SUBSCRIBE ${channels}`);
      await eventually(() => Promise.resolve(stderr().includes("subscribed")));
      await Promise.all([long.close(), many.close()]);
    });
    const lines = linesOf(log);
    const longest = Math.max(...lines.map((line) => line.length));
    assert.ok(longest < MAX_LOG_TEXT + 100, `a line of ${longest} characters`);
    const cut = /\.\.\. \(\d+ more characters\)$/;
    // The frame, traced at -d (the id itself is refused: over --max-id-length).
    assert.ok(lines.some((line) => /CONNECT long(\\n)+/.test(line) && cut.test(line)));
    assert.ok(lines.some((line) => /subscribed: c0:c1:/.test(line) && cut.test(line)));
  });

  Deno.test(`clients flooding long commands grow the log by a bounded amount (${runtime})`, async () => {
    // Five connections, each sending SUBSCRIBEs of about 60 KB (under the 64 KiB frame limit)
    // at 70 a second after a burst of 50: under the 100-a-second limit (bursts of 200) for 3 s,
    // with room for a server that takes a backlog of frames at once.
    const channels = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(":").slice(0, 60_000);
    let before = 0;
    let sent = 0;
    let server: LoggingServer | undefined;
    await withCli(runtime, ["-v"], async (started) => {
      server = started;
      const { base, stderr, bytes } = started;
      const clients = await Promise.all(Array.from({ length: 5 }, () => SockjsWs.session(base)));
      clients.forEach((client, i) => client.send(`CONNECT flood${i}:${KEY}`));
      await eventually(() => Promise.resolve(stderr().includes("flood4")));
      before = bytes();
      const send = () => {
        for (const client of clients) client.send(`SUBSCRIBE ${channels}`);
        sent += clients.length;
      };
      for (let i = 0; i < 50; i++) send();
      const timer = setInterval(send, 14);
      await new Promise((r) => setTimeout(r, 3_000));
      clearInterval(timer);
      // Every connection is still open: none went over the command limit.
      await new Promise((r) => setTimeout(r, 200));
      for (const client of clients) {
        assert.deepEqual(client.frames.filter((f) => f.startsWith("c[")), []);
      }
      await Promise.all(clients.map((client) => client.close()));
    });
    // All the server wrote from the first SUBSCRIBE to its exit.
    const grown = (server?.bytes() ?? 0) - before;
    const mib = (grown / 2 ** 20).toFixed(1);
    // At most 1,000 lines a second of at most MAX_LOG_TEXT characters and a prefix, and a few
    // more (the burst), where each SUBSCRIBE was a 60 KB line before.
    assert.ok(grown < 4_000 * (MAX_LOG_TEXT + 100), `${sent} commands grew the log by ${mib} MiB`);
  });
}

Deno.test("verbose lines over --max-log-lines-per-second are dropped and counted", async () => {
  const log = await withCli(
    "deno",
    ["-v", "--max-log-lines-per-second", "20"],
    async ({ base }) => {
      const client = await SockjsWs.session(base);
      client.send(`CONNECT counted:${KEY}`);
      for (let i = 0; i < 100; i++) client.send(`SUBSCRIBE c${i}`);
      // The server handles the commands before the close that follows them; the line it writes
      // at shutdown comes after the count of those it dropped.
      await client.close();
    },
  );
  const subscribed = linesOf(log).filter((line) => line.includes("subscribed"));
  assert.ok(subscribed.length < 40, `${subscribed.length} lines`);
  // The count comes before the next line written (the next one let through, or the last).
  const summaries = [...log.matchAll(/WARNING (\d+) verbose or debug lines suppressed/g)];
  assert.ok(summaries.length > 0, log);
  assert.match(log, /suppressed \(more than 20 a second\)\./);
  const suppressed = summaries.reduce((sum, m) => sum + Number(m[1]), 0);
  assert.ok(suppressed + subscribed.length >= 100, `${suppressed} + ${subscribed.length}`);
});
