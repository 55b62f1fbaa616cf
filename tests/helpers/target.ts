/**
 * Targets for the shared end-to-end suite: a running Thunderpush reached only over the network,
 * whatever runtime serves it (in-process on Deno, the CLI as a subprocess, the Node build).
 *
 * @module
 */

import { Thunderpush } from "../../lib/server.ts";
import { serve } from "../../lib/adapters/serve_deno.ts";

/** The key pair every test server uses. */
export const KEY = "pubkey";
/** The secret every test server uses. */
export const SECRET = "secretkey";

/** Server settings a suite may ask for (each maps to a CLI flag). */
export interface TargetOptions {
  /** `--max-message-size` */
  readonly maxMessageSize?: number;
  /** `--heartbeat-delay` */
  readonly heartbeatDelay?: number;
  /** `--disconnect-delay` */
  readonly disconnectDelay?: number;
  /** `--max-connections` */
  readonly maxConnections?: number;
  /** `--max-buffered-bytes` */
  readonly maxBufferedBytes?: number;
  /** `--max-queued-messages` */
  readonly maxQueuedMessages?: number;
  /** `--history-size` */
  readonly historySize?: number;
}

/** A running server under test. */
export interface Target {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly base: string;
  /** Calls the API below `/api/1.0.0/pubkey` with the right secret. */
  api(method: string, path: string, body?: string): Promise<{ status: number; text: string }>;
  /** Stops the server (for a process: SIGTERM, and waits for its exit). */
  close(): Promise<void>;
}

/** Starts a target with the given settings. */
export type StartTarget = (options?: TargetOptions) => Promise<Target>;

/** An API client for a base URL. */
export function apiClient(base: string): Target["api"] {
  return async (method, path, body) => {
    const res = await fetch(`${base}/api/1.0.0/${KEY}${path}`, {
      method,
      body,
      headers: { "X-Thunder-Secret-Key": SECRET, "Content-Type": "application/json" },
    });
    return { status: res.status, text: await res.text() };
  };
}

/** A Thunderpush served in this process with `Deno.serve`. */
export const inProcess: StartTarget = (options: TargetOptions = {}): Promise<Target> => {
  const { historySize, ...rest } = options;
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    ...rest,
    ...(historySize ? { history: { size: historySize } } : {}),
  });
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return Promise.resolve({
    base,
    api: apiClient(base),
    async close() {
      await thunder.close();
      await server.close();
    },
  });
};

/** The CLI flags for target options. */
export function targetFlags(options: TargetOptions): string[] {
  const flags: string[] = [];
  if (options.maxMessageSize) flags.push("--max-message-size", String(options.maxMessageSize));
  if (options.heartbeatDelay) flags.push("--heartbeat-delay", String(options.heartbeatDelay));
  if (options.disconnectDelay) flags.push("--disconnect-delay", String(options.disconnectDelay));
  if (options.maxConnections) flags.push("--max-connections", String(options.maxConnections));
  if (options.maxBufferedBytes) {
    flags.push("--max-buffered-bytes", String(options.maxBufferedBytes));
  }
  if (options.maxQueuedMessages) {
    flags.push("--max-queued-messages", String(options.maxQueuedMessages));
  }
  if (options.historySize) flags.push("--history-size", String(options.historySize));
  return flags;
}

/** A started server process, with its stderr collected. */
export interface ServerProcess {
  /** The child. */
  readonly child: Deno.ChildProcess;
  /** The port from the startup line. */
  readonly port: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Where and how long `spawnServer` waits. */
export interface SpawnOptions {
  /** The working directory (default: this process's). */
  readonly cwd?: string;
  /** How long to wait for the startup line (default 15 s). */
  readonly startTimeoutMs?: number;
}

/**
 * Spawns a server command (`-p 0` among its arguments) and waits for the startup line
 * `Starting Thunderpush server at HOST:PORT` on stderr.
 */
export async function spawnServer(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  { cwd, startTimeoutMs = 15_000 }: SpawnOptions = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(cmd, { args, env, cwd, stdout: "null", stderr: "piped" }).spawn();
  let text = "";
  const { promise: startup, resolve, reject } = Promise.withResolvers<number>();
  let started = false;
  const pump = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      if (started) continue; // only the startup line is looked for (a server may log a lot)
      const m = /Starting Thunderpush server at [^\s"]*:(\d+)/.exec(text);
      if (m) {
        started = true;
        resolve(Number(m[1]));
      }
    }
    reject(new Error(`server exited before it started:\n${text}`));
  })();
  const timer = setTimeout(
    () => reject(new Error(`server did not start:\n${text}`)),
    startTimeoutMs,
  );
  let port: number;
  try {
    port = await startup;
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await pump;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let stopping: Promise<Deno.CommandStatus> | undefined;
  return {
    child,
    port,
    stderr: () => text,
    stop(signal = "SIGTERM") {
      return stopping ??= (async () => {
        try {
          child.kill(signal);
        } catch { /* already gone */ }
        const status = await child.status;
        await pump;
        return status;
      })();
    },
  };
}

/** A target over a CLI process started by `startCli`. */
export async function cliTarget(runtime: Runtime, options: TargetOptions): Promise<Target> {
  const proc = await startCli(runtime, [...targetFlags(options), KEY, SECRET]);
  return {
    base: proc.base,
    api: apiClient(proc.base),
    async close() {
      const status = await proc.stop();
      await Deno.remove(proc.pidPath).catch(() => {});
      if (!status.success) throw new Error(`server exited with ${status.code}:\n${proc.stderr()}`);
    },
  };
}

/** The Deno CLI (`main.ts`) as a subprocess. */
export const denoCli: StartTarget = (options: TargetOptions = {}): Promise<Target> =>
  cliTarget("deno", options);

/** The Deno CLI with `--server node` (`node:http` and `ws` inside Deno) as a subprocess. */
export const denoCliNodeServer: StartTarget = (options: TargetOptions = {}): Promise<Target> =>
  cliTarget("deno --server node", options);

/** Polls an async check every 10 ms until it holds, up to `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The command line of a test server: port 0 on 127.0.0.1, the PID file at `pidPath`, then
 * `rest` (flags and the keys).
 */
export function listenArgs(pidPath: string, ...rest: string[]): string[] {
  return ["-p", "0", "-H", "127.0.0.1", "--pid-path", pidPath, ...rest];
}

/**
 * Which runtime runs a CLI process: the Deno CLI (`main.ts`) with its default server, the Deno
 * CLI with `--server node` (`node:http` and `ws` inside Deno), or the npm build on Node.
 */
export type Runtime = "deno" | "deno --server node" | "node";

/** Every runtime, for tests that run on each. */
export const RUNTIMES: readonly Runtime[] = ["deno", "deno --server node", "node"];

/**
 * The command that runs the CLI on `runtime` (its arguments follow). For Node, the npm build
 * must exist (see `ensureNpmBuild` in node_target.ts).
 */
export function cliCommand(runtime: Runtime): string[] {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  switch (runtime) {
    case "deno":
      return [Deno.execPath(), "run", "-A", main];
    case "deno --server node":
      return [Deno.execPath(), "run", "-A", main, "--server", "node"];
    case "node":
      return ["node", new URL("../../npm/bin/thunderpush.js", import.meta.url).pathname];
  }
}

/**
 * Starts the CLI on a runtime with `args` (port, host and a temporary PID file are added) and
 * `env`. For Node, the npm build must exist (see `ensureNpmBuild` in node_target.ts). With
 * `--redis`, resolves once `/readyz` answers 200, unless `waitReady` is false.
 */
export async function startCli(
  runtime: Runtime,
  args: string[],
  env: Record<string, string> = {},
  { waitReady = args.includes("--redis") }: { waitReady?: boolean } = {},
): Promise<ServerProcess & { base: string; pidPath: string }> {
  const pidPath = await Deno.makeTempFile({ prefix: "thunderpush-cli-", suffix: ".pid" });
  const [cmd, ...prefix] = cliCommand(runtime);
  const proc = await spawnServer(cmd!, [...prefix, ...listenArgs(pidPath, ...args)], env);
  const base = `${/https/.test(args.join(" ")) ? "https" : "http"}://127.0.0.1:${proc.port}`;
  // A cluster node listens before its broker is synced (it answers 503 and `/readyz` says so
  // until then): wait for it, as a load balancer would.
  if (waitReady) {
    try {
      await eventually(async () => {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        return res.status === 200;
      }, 15_000);
    } catch (error) {
      await proc.stop("SIGKILL");
      throw new Error(`cluster node never ready:\n${proc.stderr()}`, { cause: error });
    }
  }
  return { ...proc, base, pidPath };
}
