/**
 * The bench's tables: every figure of one run as Markdown, and the ratios of this project to the
 * anchors, checked against the targets of issue 6.
 *
 * @module
 */

import { type ApiResult, median, pairedRatio, roundRatios } from "./api.ts";
import type { PhaseResult, PushResult } from "./push.ts";

/** The machine a run was made on. */
export interface MachineInfo {
  /** `nproc`. */
  readonly cpus: number;
  /** The CPU model name. */
  readonly cpuModel: string;
  /** Total memory, GiB. */
  readonly memoryGiB: number;
  /** `uname -r`. */
  readonly kernel: string;
  /** Deno's version. */
  readonly deno: string;
  /** Node's version. */
  readonly node: string;
  /** wrk's version, or "" when not installed. */
  readonly wrk: string;
  /** Open files limit of the bench process. */
  readonly openFiles: string;
  /** The commit of the working tree (with `+dirty` when it has changes), or "". */
  readonly commit: string;
  /** Load averages (1, 5, 15 min) just before the run. */
  readonly loadBefore: readonly number[];
}

/** Everything one run measured. */
export interface BenchResults {
  /** The command line. */
  readonly command: string;
  /** Whether this was the `--quick` smoke run. */
  readonly quick: boolean;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** Seconds the run took. */
  readonly seconds: number;
  /** The machine. */
  readonly machine: MachineInfo;
  /** The servers, with the reason any of them could not run. */
  readonly targets: readonly { id: string; label: string; role: string; missing: string | null }[];
  /** Publishes per phase, for the table captions. */
  readonly plans: {
    readonly fanout: string;
    readonly manyChannels: string;
    readonly api: string;
    /** What the cluster row measures, when it ran. */
    readonly cluster?: string;
    /** What the cluster-growth scenario measures, when it ran. */
    readonly clusterGrowth?: string;
  };
  /** Rounds run; each row is the least disturbed of them. */
  readonly rounds: number;
  /** One channel, every client in it, for each client count. */
  readonly fanout: readonly PushResult[];
  /** Many channels. */
  readonly manyChannels: readonly PushResult[];
  /**
   * The cluster-growth scenario: one row per node count (absent in results written before it,
   * empty when it did not run).
   */
  readonly clusterGrowth?: readonly PushResult[];
  /** wrk figures. */
  readonly api: readonly ApiResult[];
  /** Load averages just after the run. */
  readonly loadAfter: readonly number[];
  /** The 1-minute load average sampled every 5 s during the run: min, mean, max. */
  readonly loadDuring: readonly number[];
  /** Every round's rows, when there was more than one. */
  readonly allRounds: {
    readonly fanout: readonly PushResult[];
    readonly manyChannels: readonly PushResult[];
  } | null;
}

const DASH = "—";

/** Formats a number with `digits` decimals and thousands separators; a dash for NaN or null. */
export function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const align = header.map((_, i) => (i === 0 ? "---" : "---:"));
  return [line(header), line(align), ...rows.map(line)].join("\n");
}

/** Deliveries that did not arrive in a run (both phases). */
export function lost(r: PushResult): number {
  const phases = [r.paced, r.burst].filter((p): p is PhaseResult => p !== null);
  return phases.reduce((n, p) => n + Math.max(0, p.expected - p.received), 0);
}

function status(r: PushResult): string {
  const notes: string[] = [];
  if (r.error) notes.push(`error: ${r.error}`);
  if (r.crashed) notes.push("crashed");
  if (r.failed > 0) notes.push(`${r.failed} failed to connect`);
  if (r.closedDuringRun > 0) notes.push(`${r.closedDuringRun} closed`);
  const bad = (r.paced?.badAnswers ?? 0) + (r.burst?.badAnswers ?? 0);
  if (bad > 0) notes.push(`${bad} bad POST answers`);
  const incomplete = (r.paced?.incomplete ?? 0) + (r.burst?.incomplete ?? 0);
  if (incomplete > 0) notes.push(`${incomplete} publishes incomplete`);
  return notes.length ? notes.join("; ") : "ok";
}

function phaseCells(p: PhaseResult | null): string[] {
  if (!p) return [DASH, DASH, DASH, DASH];
  return [fmt(p.usPerMsg, 1), fmt(p.msgsPerSec), fmt(p.p50Ms, 1), fmt(p.p99Ms, 1)];
}

function cpuShare(p: PhaseResult | null): string {
  if (!p || p.wallMs <= 0) return DASH;
  const server = p.serverCpuUs / (p.wallMs * 10);
  const loadgen = p.loadgenCpuUs / (p.wallMs * 10);
  return `${fmt(server)}% / ${fmt(loadgen)}%`;
}

function msgsPerFrame(p: PhaseResult | null): string {
  return p && p.frames > 0 ? fmt(p.received / p.frames, 2) : DASH;
}

/** The fan-out table: one row per server and client count. */
export function fanoutTable(results: readonly PushResult[]): string {
  return table(
    [
      "server",
      "clients",
      "paced µs/msg",
      "paced msgs/s",
      "paced p50 ms",
      "paced p99 ms",
      "burst µs/msg",
      "burst msgs/s",
      "burst p50 ms",
      "burst p99 ms",
      "msgs/frame (burst)",
      "CPU server / loadgen (burst)",
      "lost",
      "status",
    ],
    results.map((r) => [
      r.target,
      fmt(r.clients),
      ...phaseCells(r.paced),
      ...phaseCells(r.burst),
      msgsPerFrame(r.burst),
      cpuShare(r.burst),
      fmt(lost(r)),
      status(r),
    ]),
  );
}

/** The idle memory table: bytes of server RSS per connected, subscribed client. */
export function memoryTable(results: readonly PushResult[]): string {
  return table(
    [
      "server",
      "clients",
      "RSS before (MiB)",
      "RSS idle (MiB)",
      "KB per client",
      "connect time (s)",
    ],
    results.map((r) => [
      r.target + (r.perClient > 1 ? ` (${r.perClient} channels each)` : "") +
      ((r.nodes ?? 1) > 1 ? ` (${r.nodes} nodes, RSS added up)` : ""),
      fmt(r.open),
      fmt(r.rssBaseKiB / 1024, 1),
      fmt(r.rssIdleKiB / 1024, 1),
      fmt(r.bytesPerClient / 1000, 1),
      fmt(r.connectMs / 1000, 1),
    ]),
  );
}

/**
 * The cluster table: for each client count the cluster ran at, one row per phase for the single
 * node (`thunder-deno`) and for the cluster, with each node's CPU per message it delivered and
 * the Redis CPU per publish.
 */
export function clusterTable(results: readonly PushResult[]): string {
  const clusters = results.filter((r) => (r.nodes ?? 1) > 1);
  const rows: string[][] = [];
  for (const c of clusters) {
    const single = results.find((r) => r.target === "thunder-deno" && r.clients === c.clients);
    for (const key of ["paced", "burst"] as const) {
      for (const r of single ? [single, c] : [c]) {
        const p = r[key];
        const nodes = p?.nodes;
        rows.push([
          r.target,
          fmt(r.clients),
          key,
          fmt(p?.usPerMsg, 1),
          nodes ? nodes.map((n) => fmt(n.usPerMsg, 1)).join(" / ") : DASH,
          nodes ? nodes.map((n) => fmt(n.received)).join(" / ") : fmt(p?.received),
          fmt(p?.redisUsPerPublish, 0),
          fmt(r.redisIdleUsPerSec, 0),
          p?.redisCpuUs !== undefined && p.wallMs > 0
            ? `${fmt(p.redisCpuUs / (p.wallMs * 10))}%`
            : DASH,
          fmt(p?.msgsPerSec),
          fmt(p?.p50Ms, 1),
          fmt(p?.p99Ms, 1),
          cpuShare(p ?? null),
          fmt(p ? Math.max(0, p.expected - p.received) : NaN),
          status(r),
        ]);
      }
    }
  }
  return table(
    [
      "server",
      "clients",
      "phase",
      "µs/msg (all nodes)",
      "µs/msg node 1 / 2 / 3",
      "delivered (per node)",
      "Redis µs/publish",
      "Redis idle µs/s",
      "Redis CPU",
      "msgs/s",
      "p50 ms",
      "p99 ms",
      "CPU servers / loadgen",
      "lost",
      "status",
    ],
    rows,
  );
}

/** The anchor a project row's latency and CPU are compared with: its runtime's bare server. */
export function bareAnchorOf(target: string): string {
  return target === "thunder-node" ? "bare-node" : "bare-deno";
}

/**
 * The latency table: publish-to-delivery latency of every delivered message (p50, p99, max),
 * paced and in the burst, for every server and client count, with the paced p99 divided by its
 * runtime's bare server's.
 */
export function latencyTable(results: readonly PushResult[]): string {
  const cells = (p: PhaseResult | null) => {
    const d = p?.delivery;
    return [fmt(d?.p50Ms, 1), fmt(d?.p99Ms, 1), fmt(d?.maxMs, 1)];
  };
  const find = (t: string, n: number) => results.find((r) => r.target === t && r.clients === n);
  return table(
    [
      "server",
      "clients",
      "paced p50 ms",
      "paced p99 ms",
      "paced max ms",
      "paced p99 ÷ bare",
      "burst p50 ms",
      "burst p99 ms",
      "burst max ms",
      "deliveries timed",
    ],
    results.filter((r) => (r.nodes ?? 1) === 1).map((r) => {
      const bare = r.target.startsWith("thunder") ? find(bareAnchorOf(r.target), r.clients) : null;
      const ratio = bare?.paced?.delivery && r.paced?.delivery
        ? `${fmt(r.paced.delivery.p99Ms / bare.paced.delivery.p99Ms, 2)}x (${bare.target})`
        : DASH;
      return [
        r.target,
        fmt(r.clients),
        ...cells(r.paced),
        ratio,
        ...cells(r.burst),
        fmt((r.paced?.delivery?.count ?? 0) + (r.burst?.delivery?.count ?? 0)),
      ];
    }),
  );
}

/**
 * The cluster-growth table: one row per node count, each node's CPU per message it delivered,
 * Redis's CPU per publish, and how both grew from the one-node run.
 */
export function clusterGrowthTable(rows: readonly PushResult[]): string {
  const one = rows.find((r) => r.nodes === 1);
  const perNode = (r: PushResult) => r.paced?.usPerMsg;
  const growth = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 && Number.isFinite(b) ? `${fmt(b / a, 2)}x` : DASH;
  return table(
    [
      "nodes",
      "clients",
      "publishes",
      "delivered",
      "lost",
      "µs/msg (all nodes)",
      "growth",
      "µs/msg per node",
      "Redis µs/publish",
      "growth",
      "Redis CPU",
      "Redis idle µs/s",
      "msgs/s",
      "p50 / p99 / max ms",
      "KB/client",
      "status",
    ],
    rows.map((r) => {
      const p = r.paced;
      const d = p?.delivery;
      return [
        fmt(r.nodes ?? 1),
        fmt(r.clients),
        fmt(p?.publishes),
        fmt(p?.received),
        fmt(lost(r)),
        fmt(perNode(r), 1),
        growth(one && perNode(one), perNode(r)),
        p?.nodes ? p.nodes.map((n) => fmt(n.usPerMsg, 1)).join(" / ") : DASH,
        fmt(p?.redisUsPerPublish, 0),
        growth(one?.paced?.redisUsPerPublish, p?.redisUsPerPublish),
        p?.redisCpuUs !== undefined && p.wallMs > 0
          ? `${fmt(p.redisCpuUs / (p.wallMs * 10), 1)}%`
          : DASH,
        fmt(r.redisIdleUsPerSec, 0),
        fmt(p?.msgsPerSec),
        d ? `${fmt(d.p50Ms, 1)} / ${fmt(d.p99Ms, 1)} / ${fmt(d.maxMs, 1)}` : DASH,
        fmt(r.bytesPerClient / 1000, 1),
        status(r),
      ];
    }),
  );
}

/** The wrk table. */
export function apiTable(results: readonly ApiResult[]): string {
  const cells = (f: ApiResult["post"]) =>
    f ? [fmt(f.rps), fmt(f.p50Ms, 2), fmt(f.p99Ms, 2), fmt(f.usPerReq, 1), fmt(f.errors)] : [
      DASH,
      DASH,
      DASH,
      DASH,
      DASH,
    ];
  return table(
    [
      "server",
      "POST req/s",
      "p50 ms",
      "p99 ms",
      "µs/req",
      "errors",
      "GET /users/ req/s",
      "p50 ms",
      "p99 ms",
      "µs/req",
      "errors",
    ],
    results.map((
      r,
    ) => [r.target + (r.error ? ` (${r.error})` : ""), ...cells(r.post), ...cells(r.users)]),
  );
}

/** Growth: per-message CPU and memory per client by client count, one row per server. */
export function growthTable(results: readonly PushResult[]): string {
  const sizes = [...new Set(results.map((r) => r.clients))].sort((a, b) => a - b);
  const targets = [...new Set(results.map((r) => r.target))];
  const find = (t: string, n: number) => results.find((r) => r.target === t && r.clients === n);
  const growth = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 ? `${fmt(b / a, 2)}x` : DASH;
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  return table(
    [
      "server",
      ...sizes.map((n) => `µs/msg @${fmt(n)}`),
      `growth ${fmt(first)}→${fmt(last)}`,
      ...sizes.map((n) => `KB/client @${fmt(n)}`),
      `growth ${fmt(first)}→${fmt(last)}`,
    ],
    targets.map((t) => [
      t,
      ...sizes.map((n) => fmt(find(t, n)?.paced?.usPerMsg, 1)),
      growth(find(t, first)?.paced?.usPerMsg, find(t, last)?.paced?.usPerMsg),
      ...sizes.map((n) => fmt((find(t, n)?.bytesPerClient ?? NaN) / 1000, 1)),
      growth(find(t, first)?.bytesPerClient, find(t, last)?.bytesPerClient),
    ]),
  );
}

/**
 * The paced phase round by round, for every group of servers that ran side by side: each
 * server's CPU per message in each round, its figure over all rounds, and for the others the
 * ratio to the group's first server (the anchor), round by round: median, least and most.
 */
export function pacedRoundsTable(results: readonly PushResult[]): string {
  const rows: string[][] = [];
  const groups = [...new Set(results.map((r) => r.group))].filter((g) => g !== undefined);
  for (const g of groups) {
    const members = results.filter((r) => r.group === g && (r.pacedRounds?.length ?? 0) > 1);
    if (members.length < 2) continue;
    const anchor = members.find((r) => !r.target.startsWith("thunder")) ?? members[0];
    for (const r of members) {
      const ratios = r === anchor
        ? []
        : pacedRoundRatios(members, r.target, anchor.target, r.clients);
      rows.push([
        r.target,
        fmt(r.clients),
        r.pacedRounds!.map((p) => fmt(p.usPerMsg, 1)).join(" · "),
        fmt(r.paced?.usPerMsg, 2),
        ratios.length ? `${fmt(median(ratios), 2)}x` : DASH,
        ratios.length
          ? `${fmt(Math.min(...ratios), 2)}x – ${fmt(Math.max(...ratios), 2)}x`
          : `(anchor)`,
      ]);
    }
  }
  if (rows.length === 0) return "";
  return table(
    [
      "server",
      "clients",
      "µs/msg, round by round",
      "all rounds µs/msg",
      "÷ anchor (median of rounds)",
      "range",
    ],
    rows,
  );
}

/** One checked target of issue 6. */
export interface Check {
  /** What is compared. */
  readonly what: string;
  /** The measured value (a ratio or a count). */
  readonly value: string;
  /** The goal. */
  readonly goal: string;
  /** Whether it was met; null when it could not be measured. */
  readonly met: boolean | null;
}

function ratioCheck(what: string, a: number | undefined, b: number | undefined, max: number) {
  const valid = a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) &&
    b > 0;
  return boundCheck(what, valid ? a / b : undefined, "≤", max);
}

/** A check of a ratio against a bound it must not pass (`≤`) or must reach (`≥`). */
function boundCheck(
  what: string,
  ratio: number | undefined,
  sense: "≤" | "≥",
  bound: number,
): Check {
  const goal = `${sense} ${bound}x`;
  if (ratio === undefined) return { what, value: DASH, goal, met: null };
  return {
    what,
    value: `${fmt(ratio, 2)}x`,
    goal,
    met: sense === "≤" ? ratio <= bound : ratio >= bound,
  };
}

/**
 * The paced rounds' ratios of `project`'s CPU per message to `anchor`'s at `clients` clients,
 * round k of one to round k of the other, in every group where the two ran side by side
 * (`rows`: every round's rows of a run). Empty when they never did (results written before
 * groups, or a run without one of them).
 */
export function pacedRoundRatios(
  rows: readonly PushResult[],
  project: string,
  anchor: string,
  clients: number,
  figure: (p: PhaseResult) => number = (p) => p.usPerMsg,
): number[] {
  const at = (t: string) => rows.filter((r) => r.target === t && r.clients === clients);
  const figures = (r: PushResult | undefined) => (r?.pacedRounds ?? []).map(figure);
  return at(project).flatMap((p) => {
    const a = at(anchor).find((r) => r.group !== undefined && r.group === p.group);
    return roundRatios(figures(p), figures(a));
  });
}

/**
 * The paced CPU target of `project` against `anchor` at `n` clients: the median of their paired
 * rounds' ratios, or the ratio of the rows' figures when they have no paired rounds.
 */
function pacedCpuCheck(
  everyRound: readonly PushResult[],
  project: string,
  anchor: string,
  n: number,
  bound: number,
): Check {
  const find = (t: string) => everyRound.find((r) => r.target === t && r.clients === n);
  const paired = pacedRoundRatios(everyRound, project, anchor, n);
  const vs = project === "thunder-deno" ? "" : `, ${project}`;
  return paired.length > 1
    ? boundCheck(
      `CPU/msg paced @${fmt(n)}${vs} vs ${anchor} (median of ${paired.length} paired rounds)`,
      median(paired),
      "≤",
      bound,
    )
    : ratioCheck(
      `CPU/msg paced @${fmt(n)}${vs} vs ${anchor}`,
      find(project)?.paced?.usPerMsg,
      find(anchor)?.paced?.usPerMsg,
      bound,
    );
}

/** Memory per client of the original Thunderpush (Python, Tornado), as issue 27 measured it. */
export const ORIGINAL_KB_PER_CLIENT = 12.6;
/** The original Thunderpush's API POST req/s on this machine (issue 22's figure). */
export const ORIGINAL_POST_RPS = 3_281;

/** Client counts the memory targets of `--server node` are checked at (issue 27). */
const SERVER_NODE_MEMORY_SIZES = [5_000, 10_000];
/** Client counts the latency targets are checked at (issue 27). */
const LATENCY_SIZES = [1_000, 10_000];

/**
 * The targets of issue 27 for `thunder-deno-node` (the Deno CLI with `--server node`): CPU per
 * message paced against bare Deno, memory per client against bare Node `ws` and the original's.
 */
function serverNodeChecks(results: BenchResults): Check[] {
  const out: Check[] = [];
  const find = (t: string, n: number) =>
    results.fanout.find((r) => r.target === t && r.clients === n);
  const sizes = [...new Set(results.fanout.map((r) => r.clients))].sort((a, b) => a - b);
  const everyRound = results.allRounds?.fanout ?? results.fanout;
  const id = "thunder-deno-node";
  for (const n of sizes.filter((n) => find(id, n))) {
    out.push(pacedCpuCheck(everyRound, id, "bare-deno", n, 1.35));
  }
  for (const n of SERVER_NODE_MEMORY_SIZES.filter((n) => find(id, n))) {
    out.push(ratioCheck(
      `memory/client @${fmt(n)}, ${id} vs bare-node`,
      find(id, n)?.bytesPerClient,
      find("bare-node", n)?.bytesPerClient,
      1.6,
    ));
    const kb = find(id, n)!.bytesPerClient / 1000;
    out.push({
      what: `memory/client @${fmt(n)}, ${id} vs the original's ${ORIGINAL_KB_PER_CLIENT} KB ` +
        "(issue 27's figure)",
      value: `${fmt(kb, 1)} KB`,
      goal: `< ${ORIGINAL_KB_PER_CLIENT} KB`,
      met: Number.isFinite(kb) ? kb < ORIGINAL_KB_PER_CLIENT : null,
    });
  }
  return out;
}

/**
 * Paced p99 publish-to-delivery latency (every delivery) of each project row against its
 * runtime's bare server: like the CPU targets, the median of the paired rounds' ratios (one
 * publish slowed by another process on the machine is 1% of a round's deliveries at a few
 * publishes a round, enough to set a pooled p99), or the rows' ratio without paired rounds.
 */
function latencyChecks(results: BenchResults): Check[] {
  const everyRound = results.allRounds?.fanout ?? results.fanout;
  const find = (t: string, n: number) =>
    results.fanout.find((r) => r.target === t && r.clients === n);
  const p99 = (p: PhaseResult) => p.delivery?.p99Ms ?? NaN;
  const out: Check[] = [];
  for (const n of LATENCY_SIZES) {
    for (const id of ["thunder-deno", "thunder-deno-node", "thunder-node"]) {
      const anchor = bareAnchorOf(id);
      const p = find(id, n)?.paced;
      const b = find(anchor, n)?.paced;
      if (!p?.delivery || !b?.delivery) continue;
      const paired = pacedRoundRatios(everyRound, id, anchor, n, p99);
      const what = `latency p99 paced @${fmt(n)}, ${id} vs ${anchor} (every delivery`;
      out.push(
        paired.length > 1
          ? boundCheck(
            `${what}; median of ${paired.length} paired rounds)`,
            median(paired),
            "≤",
            1.2,
          )
          : ratioCheck(`${what})`, p99(p), p99(b), 1.2),
      );
    }
  }
  return out;
}

/** The cluster-growth run at its most nodes: every client connected, every message delivered. */
function clusterGrowthChecks(results: BenchResults): Check[] {
  const rows = results.clusterGrowth ?? [];
  if (rows.length === 0) return [];
  const big = rows.reduce((a, b) => ((b.nodes ?? 1) > (a.nodes ?? 1) ? b : a));
  const ok = big.open === big.clients && lost(big) === 0 && big.error === null &&
    !big.crashed && big.closedDuringRun === 0 && (big.paced?.incomplete ?? 1) === 0;
  return [{
    what: `${fmt(big.clients)} clients on ${big.nodes} nodes on one Redis, all receiving every ` +
      "message",
    value: `${fmt(big.open)} open, ${fmt(lost(big))} lost`,
    goal: `${fmt(big.clients)} open, 0 lost`,
    met: ok,
  }];
}

/** The targets of issue 6, for the project on Deno against bare Deno (and its Node build). */
export function checks(results: BenchResults, project = "thunder-deno"): Check[] {
  const out: Check[] = [];
  const find = (t: string, n: number) =>
    results.fanout.find((r) => r.target === t && r.clients === n);
  const sizes = [...new Set(results.fanout.map((r) => r.clients))].sort((a, b) => a - b);
  const everyRound = results.allRounds?.fanout ?? results.fanout;
  for (const n of sizes) {
    const p = find(project, n);
    const b = find("bare-deno", n);
    out.push(pacedCpuCheck(everyRound, project, "bare-deno", n, 1.1));
    out.push(ratioCheck(
      `CPU/msg burst @${fmt(n)} vs bare-deno`,
      p?.burst?.usPerMsg,
      b?.burst?.usPerMsg,
      0.3,
    ));
  }
  for (const n of sizes) {
    const p = find(project, n);
    out.push({
      what: `burst coalescing @${fmt(n)} (messages per frame)`,
      value: msgsPerFrame(p?.burst ?? null),
      goal: "> 1",
      met: p?.burst ? p.burst.received / p.burst.frames > 1 : null,
    });
  }
  for (const n of sizes) {
    out.push(ratioCheck(
      `memory/client @${fmt(n)} vs bare-deno`,
      find(project, n)?.bytesPerClient,
      find("bare-deno", n)?.bytesPerClient,
      1.15,
    ));
  }
  // The same server built for Node, against bare Node `ws`, where both ran.
  for (const n of sizes) {
    const node = find("thunder-node", n);
    const bare = find("bare-node", n);
    if (!node || !bare) continue;
    out.push(ratioCheck(
      `memory/client @${fmt(n)}, thunder-node vs bare-node`,
      node.bytesPerClient,
      bare.bytesPerClient,
      1.15,
    ));
  }
  const api = (t: string) => results.api.find((r) => r.target === t);
  // Issue 22: against the fair anchor, a bare Deno.serve doing the same work (it reads the
  // secret, reads a POST's body as text and parses it); medians of the rounds' ratios.
  out.push(boundCheck(
    "API POST /channels/x/ req/s vs bare Deno.serve reading the body as JSON",
    pairedRatio(api(project), api("bare-deno-http-read"), "post", "rps"),
    "≥",
    0.9,
  ));
  const postRps = api(project)?.post?.rps;
  out.push({
    what: `API POST /channels/x/ req/s, 8x the original's ${fmt(ORIGINAL_POST_RPS)}`,
    value: postRps === undefined ? DASH : fmt(postRps),
    goal: `≥ ${fmt(ORIGINAL_POST_RPS * 8)}`,
    met: postRps === undefined ? null : postRps >= ORIGINAL_POST_RPS * 8,
  });
  out.push(boundCheck(
    "API GET /users/ req/s vs bare Deno.serve reading the secret",
    pairedRatio(api(project), api("bare-deno-http-read"), "users", "rps"),
    "≥",
    0.8,
  ));
  const largest = sizes[sizes.length - 1];
  const big = find(project, largest);
  if (big) {
    const everyone = big.open === largest && lost(big) === 0 && big.error === null &&
      !big.crashed && big.closedDuringRun === 0;
    out.push({
      what: `${fmt(largest)} clients on one process, all receiving every message`,
      value: `${fmt(big.open)} open, ${fmt(lost(big))} lost`,
      goal: `${fmt(largest)} open, 0 lost`,
      met: everyone,
    });
  }
  out.push(...serverNodeChecks(results), ...latencyChecks(results));
  out.push(...clusterGrowthChecks(results));
  return out;
}

/** The checks as a table. */
export function checksTable(list: readonly Check[]): string {
  return table(
    ["target", "measured", "goal", "met"],
    list.map((c) => [c.what, c.value, c.goal, c.met === null ? DASH : c.met ? "yes" : "**no**"]),
  );
}

/** Ratios of each project row to each anchor: CPU/msg (paced, burst) and memory per client. */
export function ratioTable(results: readonly PushResult[]): string {
  const anchors = ["bare-deno", "bare-node", "sockjs-node"];
  const projects = [...new Set(results.map((r) => r.target))].filter((t) =>
    t.startsWith("thunder")
  );
  const sizes = [...new Set(results.map((r) => r.clients))].sort((a, b) => a - b);
  const find = (t: string, n: number) => results.find((r) => r.target === t && r.clients === n);
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
      ? fmt(a / b, 2)
      : DASH;
  const rows: string[][] = [];
  for (const project of projects) {
    for (const n of sizes) {
      const p = find(project, n);
      const row = [project, fmt(n)];
      for (const key of ["paced", "burst"] as const) {
        for (const a of anchors) row.push(ratio(p?.[key]?.usPerMsg, find(a, n)?.[key]?.usPerMsg));
      }
      for (const a of anchors) row.push(ratio(p?.bytesPerClient, find(a, n)?.bytesPerClient));
      rows.push(row);
    }
  }
  const head = (what: string) => anchors.map((a) => `${what} ÷ ${a}`);
  return table(
    ["server", "clients", ...head("paced CPU"), ...head("burst CPU"), ...head("memory")],
    rows,
  );
}

/** How far the ns-resolution CPU figures are from `/proc/<pid>/stat` utime+stime, in total. */
export function cpuCrossCheck(results: readonly PushResult[]): string {
  const phases = results.flatMap((r) => [r.paced, r.burst]).filter((p): p is PhaseResult =>
    p !== null
  );
  const precise = phases.reduce((n, p) => n + p.serverCpuUs, 0);
  const ticks = phases.reduce((n, p) => n + p.serverStatCpuUs, 0);
  if (precise <= 0) return "";
  return `Server CPU time is the run time of the server's threads (\`/proc/<pid>/task/*/schedstat\`, ` +
    `ns resolution); over every phase of this run it adds up to ${fmt(precise / 1e6, 2)} s, and ` +
    `\`/proc/<pid>/stat\` utime+stime (10 ms ticks) to ${fmt(ticks / 1e6, 2)} s ` +
    `(${fmt((100 * (ticks - precise)) / precise, 1)}%).`;
}

/** What a section built on the fan-out rows says when `--no-fanout` left none. */
const NO_FANOUT = "Not run (`--no-fanout`).";

/** The latency section, when the fan-out rows carry every delivery's latency. */
function latencySection(results: BenchResults): string[] {
  if (!results.fanout.some((r) => r.paced?.delivery)) return [];
  return [
    "## Latency: publish to delivery, every message",
    "",
    "The time from sending a POST to each client receiving the message, for every delivery of " +
    "the fan-out's phases above (the POST's send time travels in the message; each load-" +
    "generator worker puts every delivery in a histogram with buckets 1.6% wide; the max is " +
    "exact). Paced: no publish waits behind another, so this is the server's own delay, " +
    "growing with the clients a message is written to before the last one gets it. Burst: " +
    "publishes queue behind each other.",
    "",
    latencyTable(results.fanout),
    "",
  ];
}

/**
 * `--server node` on Deno beside the default server and the bare anchors, at each client count:
 * memory per client, paced CPU per message (with the median of the paired rounds' ratios to
 * bare Deno) and paced p99 latency of every delivery.
 */
export function serverNodeTable(results: BenchResults): string {
  const rows = results.fanout;
  const everyRound = results.allRounds?.fanout ?? rows;
  const sizes = [...new Set(rows.map((r) => r.clients))].sort((a, b) => a - b);
  const find = (t: string, n: number) => rows.find((r) => r.target === t && r.clients === n);
  const kb = (t: string, n: number) => (find(t, n)?.bytesPerClient ?? NaN) / 1000;
  const ratio = (
    a: number,
    b: number,
  ) => (b > 0 && Number.isFinite(a) ? `${fmt(a / b, 2)}x` : DASH);
  const ids = ["thunder-deno", "thunder-deno-node", "bare-deno", "bare-deno-ws", "bare-node"];
  const out = sizes.filter((n) => find("thunder-deno-node", n)).map((n) => {
    const paired = pacedRoundRatios(everyRound, "thunder-deno-node", "bare-deno", n);
    return [
      fmt(n),
      ids.map((t) => fmt(kb(t, n), 1)).join(" / "),
      ratio(kb("thunder-deno-node", n), kb("bare-node", n)),
      ratio(kb("thunder-deno-node", n), kb("bare-deno-ws", n)),
      ratio(kb("thunder-deno-node", n), ORIGINAL_KB_PER_CLIENT),
      ids.slice(0, 3).map((t) => fmt(find(t, n)?.paced?.usPerMsg, 1)).join(" / "),
      paired.length ? `${fmt(median(paired), 2)}x` : DASH,
      ids.slice(0, 3).map((t) => fmt(find(t, n)?.paced?.delivery?.p99Ms, 1)).join(" / "),
    ];
  });
  if (out.length === 0) return "";
  return table(
    [
      "clients",
      "KB/client: thunder-deno / thunder-deno-node / bare-deno / bare-deno-ws / bare-node",
      "÷ bare-node",
      "÷ bare-deno-ws",
      `÷ original (${ORIGINAL_KB_PER_CLIENT} KB)`,
      "paced µs/msg: thunder-deno / thunder-deno-node / bare-deno",
      "thunder-deno-node ÷ bare-deno (median of rounds)",
      "paced p99 ms: thunder-deno / thunder-deno-node / bare-deno",
    ],
    out,
  );
}

/** The `--server node` section, when `thunder-deno-node` ran. */
function serverNodeSection(results: BenchResults): string[] {
  const t = serverNodeTable(results);
  if (!t) return [];
  return [
    "## `--server node` on Deno",
    "",
    "`thunder-deno-node` (`main.ts --server node`: `node:http` and `ws` inside Deno) beside the " +
    "default server and the anchors; `bare-deno-ws` is bare `ws` run by Deno, the floor of " +
    "what Deno's `node:http` costs. The original Thunderpush's 12.6 KB per client is issue " +
    "27's figure (measured there at 10,000 clients), not measured by this run.",
    "",
    t,
    "",
  ];
}

/** The cluster-growth section, when it ran. */
function clusterGrowthSection(results: BenchResults, chartFile: string | null): string[] {
  const rows = results.clusterGrowth ?? [];
  if (rows.length === 0) return [];
  return [
    "## Cluster growth: one to three nodes on one Redis",
    "",
    results.plans.clusterGrowth ?? "",
    "",
    clusterGrowthTable(rows),
    "",
    ...(chartFile ? [`![cluster growth](${chartFile})`, ""] : []),
  ];
}

/** The whole report as Markdown. */
export function renderReport(
  results: BenchResults,
  chartFile: string | null,
  clusterChartFile: string | null = null,
): string {
  const m = results.machine;
  const missing = results.targets.filter((t) => t.missing);
  const pacedRounds = pacedRoundsTable(results.fanout);
  const parts = [
    `# Benchmark results${
      results.quick ? " (quick smoke run: small sizes, not figures to quote)" : ""
    }`,
    "",
    `Run ${results.startedAt}, ${fmt(results.seconds)} s: \`${results.command}\``,
    "",
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${fmt(m.memoryGiB, 1)} GiB, Linux ${m.kernel}, ` +
    `Deno ${m.deno}, Node ${m.node}, ${m.wrk || "wrk not installed"}, open files ${m.openFiles}. ` +
    (m.commit ? `Code: ${m.commit}. ` : "") +
    `Load average before: ${m.loadBefore.join(" ")}; after: ${results.loadAfter.join(" ")}` +
    (results.loadDuring.length
      ? `; 1-minute load during the run: min ${fmt(results.loadDuring[0], 2)}, mean ${
        fmt(results.loadDuring[1], 2)
      }, max ${fmt(results.loadDuring[2], 2)}.`
      : "."),
    "",
    (results.fanout.some((r) => r.group !== undefined)
      ? "The push scenarios run the servers of one runtime side by side, their paced publishes " +
        "in rounds taken in turn (see the fan-out section), and the CPU targets are the median " +
        "of the rounds' ratios; the API's wrk runs go round by round, side by side, too. "
      : "") +
    (results.rounds > 1
      ? `Every scenario ran ${results.rounds} times (the servers in alternate order); each row is ` +
        "the round with the lowest paced server CPU per message, the least disturbed by other " +
        "processes on the machine. results.json keeps every round."
      : "Every scenario ran once."),
    "",
    "Servers:",
    "",
    ...results.targets.map((t) =>
      `- \`${t.id}\` (${t.role}): ${t.label}${t.missing ? ` — **${t.missing}**` : ""}`
    ),
    "",
    "## Targets",
    "",
    checksTable(checks(results)),
    "",
    "## Fan-out: one channel, every client subscribed",
    "",
    results.plans.fanout,
    "",
    cpuCrossCheck([...results.fanout, ...results.manyChannels]),
    "",
    results.fanout.length ? fanoutTable(results.fanout) : NO_FANOUT,
    "",
    ...(pacedRounds
      ? [
        "### Paced, round by round",
        "",
        "Server CPU per delivered message in each paced round; the servers of a group took " +
        "every round in turn, seconds apart, so a round's ratio is measured side by side.",
        "",
        pacedRounds,
        "",
      ]
      : []),
    ...latencySection(results),
    ...serverNodeSection(results),
    ...(results.fanout.some((r) => (r.nodes ?? 1) > 1)
      ? [
        "## Cluster: three nodes on one Redis",
        "",
        results.plans.cluster ?? "",
        "",
        clusterTable(results.fanout),
        "",
      ]
      : []),
    ...clusterGrowthSection(results, clusterChartFile),
    "## Many channels",
    "",
    results.plans.manyChannels,
    "",
    results.manyChannels.length ? fanoutTable(results.manyChannels) : "Not run (`--no-many`).",
    "",
    "## Idle memory",
    "",
    "Server RSS growth per connected, subscribed client (VmRSS after the settle time minus VmRSS " +
    "before the first client).",
    "",
    results.fanout.length || results.manyChannels.length
      ? memoryTable([...results.fanout, ...results.manyChannels])
      : NO_FANOUT,
    "",
    "## API throughput (wrk)",
    "",
    results.plans.api,
    "",
    results.api.length
      ? apiTable(results.api)
      : results.command.includes("--no-api")
      ? "Not run (`--no-api`)."
      : "Not run (wrk is not installed).",
    "",
    "## Growth from the smallest to the largest client count",
    "",
    results.fanout.length ? growthTable(results.fanout) : NO_FANOUT,
    "",
    ...(chartFile && results.fanout.length ? [`![growth](${chartFile})`, ""] : []),
    "## Ratios to the anchors",
    "",
    "Project figure divided by the anchor's at the same client count (below 1: better than it).",
    "",
    results.fanout.length ? ratioTable(results.fanout) : NO_FANOUT,
    "",
    ...(missing.length
      ? [`Not measured: ${missing.map((t) => `${t.id} (${t.missing})`).join(", ")}.`, ""]
      : []),
  ];
  return parts.join("\n");
}
