/**
 * `deno task bench`: measures this server against bare and reference anchors on this machine.
 *
 * ```sh
 * deno task bench                 # the full run (about 25 minutes on a busy machine): bench/results/
 * deno task bench --quick         # the smoke run CI makes (under a minute): bench/results/quick/
 * deno task bench --profile       # CPU profile of the server under fan-out: profile.md
 * deno task bench --only thunder-deno,bare-deno --out /tmp/b
 * deno task bench --only thunder-deno,thunder-cluster --no-many --no-api   # one node vs three
 * deno task bench --only thunder-deno --no-fanout --no-many   # the API (wrk) only
 * deno task bench --history --sizes 1000   # history on vs off, fan-out CPU and memory
 * ```
 *
 * Writes `results.json`, `results.md` (every table of the run) and `growth.svg` into the output
 * folder, and prints the tables. Every server and load generator is a child process that is
 * killed when the run ends, however it ends; the run gives up by itself after its deadline.
 *
 * @module
 */

import { type ApiResult, hasWrk, runApiSideBySide } from "./api.ts";
import { clusterGrowthSvg, growthSvg } from "./chart.ts";
import {
  clusterGrowthPlan,
  describeApi,
  describeCluster,
  describeClusterGrowth,
  describeFanout,
  describeManyChannels,
  fanoutPlan,
  FULL,
  QUICK,
  type RunConfig,
} from "./config.ts";
import { commandOutput, killAllChildren, loadAverage } from "./proc.ts";
import { runProfile } from "./profile.ts";
import { runHistoryBench } from "./history.ts";
import { type PushResult, runGroup } from "./push.ts";
import {
  type BenchResults,
  checks,
  checksTable,
  lost,
  type MachineInfo,
  renderReport,
} from "./report.ts";
import { API_ANCHORS, setThunderRoot, sideBySide, type Target, TARGETS } from "./targets.ts";

const HERE = new URL("./", import.meta.url).pathname;
const encoder = new TextEncoder();

/** Writes a progress line to stderr. */
function say(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

const USAGE = `Usage: deno task bench [--quick] [--profile] [--only IDS] [--sizes N,N] [--rounds N]
                       [--api-rounds N] [--paced N] [--paced-rounds N] [--out DIR]
                       [--no-fanout] [--no-many] [--no-api] [--thunder-root DIR] [--render]

  --quick       small smoke run (CI): two small client counts, three servers and the cluster
                (at the smaller count), under a minute
  --profile     profile Thunderpush for Deno under the fan-out load instead (V8 CPU profile
                through the inspector, and perf when it is installed)
  --only IDS    comma-separated server ids: ${
  TARGETS.map((t) => t.id).join(", ")
} (bare-deno-http and bare-deno-http-read run with the API bench; thunder-cluster, three thunder-deno
                nodes on one redis-server, runs in the fan-out only; thunder-cluster-45k is the
                cluster-growth scenario: 1 node with 15,000 clients, then 3 with 45,000)
  --sizes N,N   fan-out client counts (default 1000,5000,10000,15000, the cluster too;
                quick: 100,300, the cluster 100); given sizes apply to the cluster as well
  --rounds N    run the fan-out and many-channel scenarios N times, report the least disturbed
                round (default 1); within one, the servers of a runtime run side by side
  --paced-rounds N  the fan-out's paced publishes are taken in N rounds, every server of a
                runtime taking each round in turn; the CPU targets are the median of the
                rounds' ratios (default 10; quick: 2)
  --api-rounds N  wrk rounds: every API server measured once a round, side by side with the
                others; figures are medians over the rounds (default 5; quick: 1)
  --paced N     paced publishes per fan-out phase, at every size, rounded up to a multiple of
                the paced rounds (default 20, or at small sizes as many as bring 300,000
                messages: 300 at 1,000 clients; quick: 6)
  --out DIR     where results go (default bench/results, or bench/results/quick with --quick)
  --no-fanout   skip the fan-out scenario (and so the cluster row, and the cluster growth
                unless --only names thunder-cluster-45k; --sizes skips it the same way)
  --no-many     skip the many-channels scenario
  --no-api      skip the wrk runs
  --thunder-root DIR   run thunder-deno from another checkout (DIR/main.ts), to measure a change
  --history     measure channel history instead: fan-out CPU with --history-size 100 vs
                without, side by side (at the first of --sizes, default 1000), and memory per
                kept message; writes history.md
  --render      measure nothing: rewrite results.md and growth.svg from the output folder's
                results.json
`;

async function machineInfo(): Promise<MachineInfo> {
  const meminfo = await Deno.readTextFile("/proc/meminfo");
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024,
    kernel: await commandOutput("uname", ["-r"]),
    deno: Deno.version.deno,
    node: (await commandOutput("node", ["--version"])).replace(/^v/, ""),
    // Empty when wrk is missing (the shell's "not found" is not a version).
    wrk: await hasWrk()
      ? (await commandOutput("sh", ["-c", "wrk --version 2>&1 | head -1"]))
        .replace(/ Copyright.*/, "").replace(/\s+\[.*\]$/, "")
      : "",
    openFiles: await commandOutput("sh", ["-c", "ulimit -n"]),
    commit: await commandOutput("sh", [
      "-c",
      `cd ${HERE}.. && git rev-parse --short HEAD 2>/dev/null && ` +
      `(git diff --quiet HEAD -- lib main.ts 2>/dev/null || echo +dirty)`,
    ]).then((s) => s.replace(/\n/g, "")),
    loadBefore: loadAverage(),
  };
}

function pickTargets(config: RunConfig, only: string | undefined): Target[] {
  const ids = only ? only.split(",").map((s) => s.trim()) : config.targets;
  const chosen = ids ? TARGETS.filter((t) => ids.includes(t.id)) : [...TARGETS];
  if (ids) {
    const unknown = ids.filter((id) =>
      !TARGETS.some((t) => t.id === id) && !API_ANCHORS.some((t) => t.id === id)
    );
    if (unknown.length) throw new Error(`Unknown server id: ${unknown.join(", ")}`);
  }
  return chosen;
}

/** Runs `deno fmt` on files the bench wrote (best effort). */
async function formatFiles(files: string[]): Promise<void> {
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", ...files],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
}

/**
 * One row per server and client count: of its rounds, the one with the lowest paced server CPU
 * per message (errors and lost messages disqualify a round while a clean one exists).
 */
function bestRows(all: readonly PushResult[], order: readonly string[]): PushResult[] {
  const key = (r: PushResult) => `${r.target} ${r.clients}`;
  const best = new Map<string, PushResult>();
  const score = (r: PushResult) =>
    (r.error || r.crashed || lost(r) > 0 ? 1e9 : 0) + (r.paced?.usPerMsg ?? 1e8);
  for (const r of all) {
    const current = best.get(key(r));
    if (!current || score(r) < score(current)) best.set(key(r), r);
  }
  return [...best.values()].sort((a, b) =>
    a.clients - b.clients || order.indexOf(a.target) - order.indexOf(b.target)
  );
}

async function run(args: Args): Promise<number> {
  if (args["thunder-root"]) setThunderRoot(args["thunder-root"]);
  const base = args.quick ? QUICK : FULL;
  const sizes = args.sizes?.split(",").map(Number);
  if (sizes?.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--sizes: client counts");
  // Sizes given on the command line apply to the cluster row too (its cap is for the defaults).
  const config: RunConfig = {
    ...base,
    fanoutSizes: sizes ?? base.fanoutSizes,
    clusterMaxClients: sizes ? Infinity : base.clusterMaxClients,
    fanout: {
      ...base.fanout,
      ...(args.paced ? { paced: count(args.paced, "--paced") } : {}),
      ...(args["paced-rounds"]
        ? { pacedRounds: count(args["paced-rounds"], "--paced-rounds") }
        : {}),
    },
    // A paced count given on the command line is the count at every size.
    fanoutScaling: args.paced && base.fanoutScaling
      ? { ...base.fanoutScaling, pacedDeliveries: 0 }
      : base.fanoutScaling,
  };
  const out = args.out ?? `${HERE}results${args.quick ? "/quick" : ""}`;
  await Deno.mkdir(out, { recursive: true });
  if (args.render) {
    const results = JSON.parse(await Deno.readTextFile(`${out}/results.json`)) as BenchResults;
    await writeReport(out, results);
    return 0;
  }
  if (args.profile) {
    await runProfile(out, args.quick, say);
    return 0;
  }
  if (args.history) {
    Deno.stdout.writeSync(encoder.encode(await runHistoryBench(out, sizes?.[0] ?? 1000, say)));
    return 0;
  }
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machine = await machineInfo();
  const targets = pickTargets(config, args.only);
  say(`load average before: ${machine.loadBefore.join(" ")}`);
  const runnable = targets.filter((t) => {
    if (t.missing) say(`${t.id}: ${t.missing}, skipped`);
    return !t.missing;
  });
  const rounds = args.rounds ? count(args.rounds, "--rounds") : config.rounds;
  const load: number[] = [];
  const sampler = setInterval(() => load.push(loadAverage()[0]), 5_000);
  // Round r runs the servers in order (r even) or in reverse (r odd).
  const inRound = <T>(
    list: readonly T[],
    r: number,
  ) => (r % 2 === 0 ? [...list] : [...list].reverse());
  const ids = (group: readonly Target[]) => group.map((t) => t.id).join(" + ");
  const allFanout: PushResult[] = [];
  for (const clients of args["no-fanout"] ? [] : config.fanoutSizes) {
    for (let r = 0; r < rounds; r++) {
      const pushTargets = runnable.filter((t) => t.websocket && !t.growth);
      for (const group of inRound(sideBySide(pushTargets), r)) {
        const members = group.filter((target) => {
          const skip = target.nodes !== undefined && clients > config.clusterMaxClients;
          if (skip && r === 0) {
            say(
              `fan-out ${target.id} ${clients} clients: skipped (runs up to ${config.clusterMaxClients} ` +
                "clients: its nodes, Redis and the load generator share the machine's cores)",
            );
          }
          return !skip;
        });
        if (members.length === 0) continue;
        say(`fan-out ${ids(members)} ${clients} clients${rounds > 1 ? `, round ${r + 1}` : ""}`);
        allFanout.push(...await runGroup(inRound(members, r), fanoutPlan(config, clients), say));
      }
    }
  }
  const allMany: PushResult[] = [];
  for (let r = 0; r < rounds && !args["no-many"]; r++) {
    const many = runnable.filter((t) => t.channels && !t.nodes);
    for (const group of inRound(sideBySide(many), r)) {
      say(`many channels ${ids(group)} ${config.manyChannels.clients} clients`);
      allMany.push(...await runGroup(inRound(group, r), config.manyChannels, say));
    }
  }
  const clusterGrowth = await runClusterGrowth(config, runnable, args);
  let api: ApiResult[] = [];
  const apiRounds = args["api-rounds"]
    ? count(args["api-rounds"], "--api-rounds")
    : config.api.rounds;
  if (!args["no-api"]) {
    const single = runnable.filter((t) => !t.nodes);
    const anchorsAsked = API_ANCHORS.some((a) => args.only?.split(",").includes(a.id));
    if (single.length === 0 && args.only && !anchorsAsked) {
      say("no single-process server chosen: API throughput skipped");
    } else if (await hasWrk()) {
      api = await runApiSideBySide([...API_ANCHORS, ...single], {
        ...config.api,
        rounds: apiRounds,
      }, say);
    } else say("wrk is not installed (apt-get install -y wrk): API throughput skipped");
  }
  clearInterval(sampler);
  const order = [...API_ANCHORS, ...TARGETS].map((t) => t.id);
  const fanout = bestRows(allFanout, order);
  const manyChannels = bestRows(allMany, order);
  const command = ["deno task bench", ...Deno.args].join(" ");
  const results: BenchResults = {
    command,
    quick: Boolean(args.quick),
    startedAt,
    seconds: Math.round((performance.now() - started) / 1000),
    machine,
    targets: TARGETS.filter((t) => targets.includes(t)).map((t) => ({
      id: t.id,
      label: t.label,
      role: t.role,
      missing: t.missing,
    })),
    plans: {
      fanout: describeFanout(config),
      manyChannels: describeManyChannels(config),
      api: describeApi(config, apiRounds),
      ...(runnable.some((t) => t.nodes && !t.growth) ? { cluster: describeCluster(config) } : {}),
      ...(clusterGrowth.length ? { clusterGrowth: describeClusterGrowth(config) } : {}),
    },
    rounds,
    fanout,
    manyChannels,
    clusterGrowth,
    api,
    loadAfter: loadAverage(),
    loadDuring: load.length
      ? [Math.min(...load), load.reduce((a, b) => a + b, 0) / load.length, Math.max(...load)]
      : [],
    allRounds: rounds > 1 ? { fanout: allFanout, manyChannels: allMany } : null,
  };
  await Deno.writeTextFile(`${out}/results.json`, JSON.stringify(results, null, 2) + "\n");
  await writeReport(out, results);
  return 0;
}

/**
 * The cluster-growth scenario (`thunder-cluster-45k`): the cluster at each node count of
 * `config.clusterGrowth`, the same clients per node; skipped with `--no-fanout` or `--sizes`
 * unless asked for by `--only`.
 */
async function runClusterGrowth(
  config: RunConfig,
  runnable: readonly Target[],
  args: Args,
): Promise<PushResult[]> {
  const rows: PushResult[] = [];
  const asked = args.only?.split(",").some((id) => id.trim() === "thunder-cluster-45k");
  if (!asked && (args["no-fanout"] || args.sizes)) return rows;
  for (const target of runnable.filter((t) => t.growth)) {
    for (const nodes of config.clusterGrowth.nodeCounts) {
      const plan = clusterGrowthPlan(config, nodes);
      say(`cluster growth ${target.id}: ${nodes} node(s), ${plan.clients} clients`);
      rows.push(...await runGroup([{ ...target, nodes }], plan, say));
    }
  }
  return rows;
}

/**
 * Writes results.md, growth.svg and (when the cluster-growth scenario ran) cluster.svg for
 * `results`, prints the report, and says where it went.
 */
async function writeReport(out: string, results: BenchResults): Promise<void> {
  const files = ["results.md", "results.json", "growth.svg"];
  await Deno.writeTextFile(`${out}/growth.svg`, growthSvg(results.fanout));
  const growth = results.clusterGrowth ?? [];
  if (growth.length > 0) {
    await Deno.writeTextFile(`${out}/cluster.svg`, clusterGrowthSvg(growth));
    files.push("cluster.svg");
  }
  const report = renderReport(results, "growth.svg", growth.length ? "cluster.svg" : null);
  await Deno.writeTextFile(`${out}/results.md`, report);
  // Written files are kept as `deno fmt` would have them, so `deno task ok` stays clean.
  await formatFiles(files.map((f) => `${out}/${f}`));
  Deno.stdout.writeSync(encoder.encode(report + "\n"));
  say(`\n${checksTable(checks(results))}\n\nwritten: ${out}/${files.join(", ")}`);
}

interface Args {
  quick: boolean;
  profile: boolean;
  "no-api": boolean;
  "no-fanout": boolean;
  "no-many": boolean;
  help: boolean;
  only: string | undefined;
  out: string | undefined;
  sizes: string | undefined;
  "thunder-root": string | undefined;
  rounds: string | undefined;
  "api-rounds": string | undefined;
  paced: string | undefined;
  "paced-rounds": string | undefined;
  render: boolean;
  history: boolean;
}

/** A count of 1 or more given to `flag`. */
function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: a count of 1 or more`);
  return n;
}

/** Parses the flags; throws on anything it does not know. */
function parse(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    profile: false,
    "no-api": false,
    "no-fanout": false,
    "no-many": false,
    help: false,
    only: undefined,
    out: undefined,
    sizes: undefined,
    "thunder-root": undefined,
    rounds: undefined,
    "api-rounds": undefined,
    paced: undefined,
    "paced-rounds": undefined,
    render: false,
    history: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    switch (flag) {
      case "--quick":
      case "--profile":
      case "--no-api":
      case "--no-fanout":
      case "--no-many":
      case "--render":
      case "--history":
      case "--help":
        args[
          flag.slice(2) as
            | "quick"
            | "profile"
            | "no-api"
            | "no-fanout"
            | "no-many"
            | "render"
            | "history"
            | "help"
        ] = true;
        break;
      case "-h":
        args.help = true;
        break;
      case "--only":
      case "--out":
      case "--sizes":
      case "--rounds":
      case "--api-rounds":
      case "--paced":
      case "--paced-rounds":
      case "--thunder-root": {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        args[
          flag.slice(2) as
            | "only"
            | "out"
            | "sizes"
            | "rounds"
            | "api-rounds"
            | "paced"
            | "paced-rounds"
            | "thunder-root"
        ] = value;
        break;
      }
      default:
        throw new Error(`Unknown argument: ${argv[i]}\n${USAGE}`);
    }
  }
  return args;
}

if (import.meta.main) {
  let code = 1;
  const stop = () => {
    killAllChildren();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    const args = parse(Deno.args);
    if (args.help) {
      Deno.stdout.writeSync(encoder.encode(USAGE));
      Deno.exit(0);
    }
    const deadline = (args.quick ? QUICK : FULL).deadlineSeconds * (args.profile ? 2 : 1);
    const timer = setTimeout(() => {
      say(`bench: deadline of ${deadline} s reached, stopping`);
      killAllChildren();
      Deno.exit(1);
    }, deadline * 1000);
    code = await run(args);
    clearTimeout(timer);
  } catch (error) {
    say(`bench: ${(error as Error)?.stack ?? error}`);
  } finally {
    killAllChildren();
  }
  Deno.exit(code);
}
