/**
 * A real `redis-server` (Debian's) for tests, on a free port, with no persistence; it can be
 * stopped, restarted, hung (SIGSTOP) and resumed (SIGCONT).
 *
 * @module
 */

import { freePort } from "./inspector.ts";

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Stops the server (SIGTERM) and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was persisted). */
  restart(): Promise<void>;
  /** Hangs it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Resumes a hung server (SIGCONT). */
  resume(): void;
  /** Sends one command (with the password, if any) and gives the raw reply's first line. */
  command(...args: string[]): Promise<string>;
}

/** Settings of `startRedis`. */
export interface RedisOptions {
  /** The port (default: a free one). */
  readonly port?: number;
  /** `requirepass` (default: none). */
  readonly password?: string;
}

/** Sends RESP commands on a new connection and reads the reply to the last one. */
async function send(port: number, commands: string[][]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const encoder = new TextEncoder();
    const resp = commands.map((args) =>
      `*${args.length}\r\n` +
      args.map((a) => `$${encoder.encode(a).length}\r\n${a}\r\n`).join("")
    ).join("");
    await conn.write(encoder.encode(resp));
    let text = "";
    const buf = new Uint8Array(4096);
    // One line per command is enough for the replies used here (status, error, integer).
    while (text.split("\r\n").length <= commands.length) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text.split("\r\n")[commands.length - 1];
  } finally {
    conn.close();
  }
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // Any answer will do: a server with a password answers -NOAUTH.
      if (/^[+-]/.test(await send(port, [["PING"]]))) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `redis-server` on a free loopback port (or `options.port`). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = options.port ?? freePort();
  const password = options.password;
  let child: Deno.ChildProcess | null = null;
  const spawn = async () => {
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ];
    if (password !== undefined) args.push("--requirepass", password);
    child = new Deno.Command("redis-server", { args, stdout: "null", stderr: "null" }).spawn();
    await waitForPort(port);
  };
  const signal = (name: Deno.Signal) => {
    if (!child) throw new Error("redis-server is not running");
    child.kill(name);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running) return;
    try {
      running.kill("SIGCONT"); // a hung server must wake up to take the SIGTERM
      running.kill("SIGTERM");
    } catch { /* gone */ }
    await running.status;
  };
  await spawn();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: spawn,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    command: (...args) => send(port, password === undefined ? [args] : [["AUTH", password], args]),
  };
}
