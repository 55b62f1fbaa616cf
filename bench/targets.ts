/**
 * The servers the bench measures: the anchors (bare Deno, bare Node `ws`, npm `sockjs`) and this
 * project on Deno and, once `npm/` is built, on Node. Each one is started as its own process on
 * 127.0.0.1 and a free port; the bench measures that process only.
 *
 * @module
 */

import { readLines, spawnChild, stopChild } from "./proc.ts";

/** The public key every server is started with. */
export const KEY = "benchkey";
/** The secret every server is started with. */
export const SECRET = "benchsecret";

const ROOT = new URL("../", import.meta.url).pathname;
let thunderRoot = ROOT;

/**
 * Points `thunder-deno` at another checkout of this project (a folder with `main.ts`), to compare
 * a change against the working tree: `deno task bench --thunder-root ../other`.
 */
export function setThunderRoot(dir: string): void {
  thunderRoot = dir.endsWith("/") ? dir : dir + "/";
}

/** What a server is to the bench. */
export interface Target {
  /** Short id, used in tables and `--only`. */
  readonly id: string;
  /** What it is, for the tables. */
  readonly label: string;
  /** `limit` (bare anchors), `reference` (npm sockjs), `project` (this server). */
  readonly role: "limit" | "reference" | "project";
  /** Whether it honours channels (the bare anchors broadcast every push to every socket). */
  readonly channels: boolean;
  /** Whether it serves SockJS WebSockets (false for the plain HTTP anchor). */
  readonly websocket: boolean;
  /**
   * The runtime it runs on. The push scenarios run the single-process servers of one runtime
   * side by side (`sideBySide`), so each project row is measured next to its runtime's anchor.
   */
  readonly runtime: "deno" | "node";
  /** Why it cannot run here, or null. */
  readonly missing: string | null;
  /**
   * A cluster: this many processes of `command` sharing one Redis (`redisUrl`), which the bench
   * starts too (bench/cluster.ts). Absent for a single process.
   */
  readonly nodes?: number;
  /**
   * The cluster-growth scenario (`thunder-cluster-45k`): a cluster run at one node, then at each
   * node count up to `nodes`, with the same clients per node (`RunConfig.clusterGrowth`), instead
   * of the fan-out sizes.
   */
  readonly growth?: boolean;
  /**
   * The command line that starts it listening on port 0; `runtimeArgs` are flags for the runtime
   * itself (such as `--inspect`); `redisUrl` is given to the nodes of a cluster.
   */
  readonly command: (
    pidPath: string,
    runtimeArgs: string[],
    redisUrl?: string,
  ) => { cmd: string; args: string[] };
}

/** A server process that is listening. */
export interface RunningTarget {
  /** The server process id (the process that is measured). */
  readonly pid: number;
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Lines the server wrote to stderr that look like errors or warnings. */
  readonly complaints: string[];
  /** Whether the process ended before `stop` was called. */
  readonly crashed: () => boolean;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

const npmBuilt = (() => {
  try {
    return Deno.statSync(`${ROOT}npm/bin/thunderpush.js`).isFile;
  } catch {
    return false;
  }
})();

/** Whether `redis-server` is on the PATH (the cluster row needs it). */
const redisInstalled = (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
  try {
    return Deno.statSync(`${dir}/redis-server`).isFile;
  } catch {
    return false;
  }
});

/**
 * `thunder-deno`'s command line, with `--redis` when given a Redis URL, and `extra` flags of
 * the server (`--server node`).
 */
function thunderDeno(pidPath: string, flags: string[], redisUrl?: string, extra: string[] = []) {
  return {
    cmd: Deno.execPath(),
    args: [
      "run",
      ...flags,
      "-A",
      `${thunderRoot}main.ts`,
      ...["-p", "0", "-H", "127.0.0.1", "--pid-path", pidPath],
      ...(redisUrl ? ["--redis", redisUrl] : []),
      ...extra,
      KEY,
      SECRET,
    ],
  };
}

/**
 * Every server the bench knows, each project row right after its runtime's bare anchor (they
 * run back to back, under the same background load).
 */
export const TARGETS: readonly Target[] = [
  {
    id: "bare-deno",
    runtime: "deno",
    label: "bare Deno.serve + upgradeWebSocket",
    role: "limit",
    channels: false,
    websocket: true,
    missing: null,
    command: (_pid, flags) => ({
      cmd: Deno.execPath(),
      args: ["run", ...flags, "-A", `${ROOT}bench/servers/bare_deno.ts`, "0"],
    }),
  },
  {
    id: "thunder-deno",
    runtime: "deno",
    label: "Thunderpush for Deno (main.ts)",
    role: "project",
    channels: true,
    websocket: true,
    missing: null,
    command: (pidPath, flags) => thunderDeno(pidPath, flags),
  },
  {
    id: "thunder-deno-node",
    runtime: "deno",
    label: "Thunderpush for Deno serving with node:http + ws (main.ts --server node)",
    role: "project",
    channels: true,
    websocket: true,
    missing: null,
    command: (pidPath, flags) => thunderDeno(pidPath, flags, undefined, ["--server", "node"]),
  },
  {
    id: "bare-deno-ws",
    runtime: "deno",
    label: "bare node:http + ws run by Deno (the floor of --server node)",
    role: "limit",
    channels: false,
    websocket: true,
    missing: null,
    command: (_pid, flags) => ({
      cmd: Deno.execPath(),
      args: ["run", ...flags, "-A", `${ROOT}bench/servers/bare_node_ws.mjs`, "0"],
    }),
  },
  {
    id: "thunder-cluster",
    runtime: "deno",
    label: "Thunderpush for Deno, three nodes on one Redis (main.ts --redis)",
    role: "project",
    channels: true,
    websocket: true,
    missing: redisInstalled ? null : "redis-server is not installed (apt-get install redis-server)",
    nodes: 3,
    command: (pidPath, flags, redisUrl) => thunderDeno(pidPath, flags, redisUrl),
  },
  {
    id: "thunder-cluster-45k",
    runtime: "deno",
    label: "Thunderpush for Deno on one Redis, 1 to 3 nodes with 15,000 clients each " +
      "(main.ts --redis; 45,000 clients at 3 nodes)",
    role: "project",
    channels: true,
    websocket: true,
    missing: redisInstalled ? null : "redis-server is not installed (apt-get install redis-server)",
    nodes: 3,
    growth: true,
    command: (pidPath, flags, redisUrl) => thunderDeno(pidPath, flags, redisUrl),
  },
  {
    id: "bare-node",
    runtime: "node",
    label: "bare node:http + ws",
    role: "limit",
    channels: false,
    websocket: true,
    missing: null,
    command: (_pid, flags) => ({
      cmd: "node",
      args: [...flags, `${ROOT}bench/servers/bare_node_ws.mjs`, "0"],
    }),
  },
  {
    id: "thunder-node",
    runtime: "node",
    label: "Thunderpush npm build on Node (npm/bin)",
    role: "project",
    channels: true,
    websocket: true,
    missing: npmBuilt ? null : "not built (deno task build:npm)",
    command: (pidPath, flags) => ({
      cmd: "node",
      args: [
        ...flags,
        `${ROOT}npm/bin/thunderpush.js`,
        ...["-p", "0", "-H", "127.0.0.1", "--pid-path", pidPath, KEY, SECRET],
      ],
    }),
  },
  {
    id: "sockjs-node",
    runtime: "node",
    label: "npm sockjs 0.3.24 minimal Thunderpush (Node)",
    role: "reference",
    channels: true,
    websocket: true,
    missing: null,
    command: (_pid, flags) => ({
      cmd: "node",
      args: [...flags, `${ROOT}bench/servers/sockjs_reference.cjs`, "0", KEY, SECRET],
    }),
  },
];

/**
 * The groups of `targets` that the push scenarios run side by side: the single-process servers
 * of each runtime together, in the order given, and each cluster on its own (its nodes, Redis
 * and load generator already share the cores).
 *
 * @example
 * ```ts
 * import { sideBySide, TARGETS } from "./targets.ts";
 * sideBySide(TARGETS).map((group) => group.map((t) => t.id));
 * // [["bare-deno", "thunder-deno", "thunder-deno-node", "bare-deno-ws"], ["thunder-cluster"],
 * //  ["thunder-cluster-45k"], ["bare-node", "thunder-node", "sockjs-node"]]
 * ```
 */
export function sideBySide(targets: readonly Target[]): Target[][] {
  const groups: Target[][] = [];
  const byRuntime = new Map<string, Target[]>();
  for (const target of targets) {
    if (target.nodes) {
      groups.push([target]);
      continue;
    }
    let group = byRuntime.get(target.runtime);
    if (!group) {
      byRuntime.set(target.runtime, group = []);
      groups.push(group);
    }
    group.push(target);
  }
  return groups;
}

/** An API-only anchor: `bench/servers/bare_deno_http.ts` in one of its modes. */
function apiAnchor(id: string, label: string, mode: "const" | "read"): Target {
  return {
    id,
    runtime: "deno",
    label,
    role: "limit",
    channels: false,
    websocket: false,
    missing: null,
    command: (_pid, flags) => ({
      cmd: Deno.execPath(),
      args: ["run", ...flags, "-A", `${ROOT}bench/servers/bare_deno_http.ts`, "0", mode],
    }),
  };
}

/** The API throughput anchor: a bare `Deno.serve` answering `{"count": 0}` with the API headers. */
export const BARE_DENO_HTTP: Target = apiAnchor(
  "bare-deno-http",
  'bare Deno.serve, constant {"count": 0}',
  "const",
);

/**
 * The API floor: a bare `Deno.serve` that does the API's work: reads the secret header and a
 * POST's body as text, checks it is JSON and answers the same bytes.
 */
export const BARE_DENO_HTTP_READ: Target = apiAnchor(
  "bare-deno-http-read",
  'bare Deno.serve reading the secret and the body as JSON, answering {"count": 0}',
  "read",
);

/** The API-only anchors, run with the API bench. */
export const API_ANCHORS: readonly Target[] = [BARE_DENO_HTTP, BARE_DENO_HTTP_READ];

const LISTENING = /^listening (\d+)$/;
const THUNDER_START = /Starting Thunderpush server at .*:(\d+)\s*$/;
const COMPLAINT = /\b(ERROR|WARN|WARNING|Error|error:|Uncaught|panicked)\b/;

/**
 * Starts a target and resolves once it listens. `runtimeArgs` are flags for the runtime (such as
 * `--inspect`). Rejects after `timeoutMs`, or when the process exits first.
 */
export async function startTarget(
  target: Target,
  options: {
    timeoutMs?: number;
    runtimeArgs?: string[];
    onStderr?: ((line: string) => void) | undefined;
    /** For a node of a cluster: the Redis it shares. */
    redisUrl?: string;
  } = {},
): Promise<RunningTarget> {
  const dir = await Deno.makeTempDir({ prefix: "thunder_bench_" });
  const { cmd, args } = target.command(
    `${dir}/thunderpush.pid`,
    options.runtimeArgs ?? [],
    options.redisUrl,
  );
  const child = spawnChild(cmd, args, {
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const complaints: string[] = [];
  let exited = false;
  let stopping = false;
  const { promise, resolve, reject } = Promise.withResolvers<number>();
  const timer = setTimeout(
    () => reject(new Error(`${target.id} did not start within ${options.timeoutMs ?? 20_000} ms`)),
    options.timeoutMs ?? 20_000,
  );
  const onLine = (line: string) => {
    const port = LISTENING.exec(line)?.[1] ?? THUNDER_START.exec(line)?.[1];
    if (port) resolve(Number(port));
    else if (COMPLAINT.test(line) && complaints.length < 50) complaints.push(line);
    options.onStderr?.(line);
  };
  readLines(child.stdout, onLine).catch(() => {});
  readLines(child.stderr, onLine).catch(() => {});
  child.status.then((status) => {
    exited = true;
    if (!stopping) complaints.push(`process exited with code ${status.code}`);
    reject(new Error(`${target.id} exited with code ${status.code} before listening`));
  });
  let port: number;
  try {
    port = await promise;
  } catch (error) {
    await stopChild(child, 500);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    pid: child.pid,
    port,
    complaints,
    crashed: () => exited && !stopping,
    async stop() {
      stopping = true;
      await stopChild(child);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
