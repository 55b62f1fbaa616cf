/**
 * How the bench runs servers side by side and sums up their paced rounds (bench/push.ts,
 * bench/targets.ts, bench/report.ts): which servers share a group, how a server's rounds add up
 * to its row, and how the CPU targets take the median of the rounds' paired ratios.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Measured, mergePhases, type PhaseResult, type PushResult } from "../bench/push.ts";
import { type BenchResults, checks, pacedRoundRatios, pacedRoundsTable } from "../bench/report.ts";
import { sideBySide, TARGETS } from "../bench/targets.ts";
import { mergeHistograms, summarize } from "../bench/latency.ts";
import { bucketOf } from "../bench/loadgen/histogram.mjs";

/** A paced round: `publishes` publishes to `clients` clients at `usPerMsg` each. */
function round(usPerMsg: number, clients = 1_000, publishes = 10, latencies = [5]): Measured {
  const received = clients * publishes;
  const result: PhaseResult = {
    publishes,
    expected: received,
    received,
    frames: received,
    serverCpuUs: usPerMsg * received,
    serverStatCpuUs: usPerMsg * received,
    loadgenCpuUs: 1,
    wallMs: 100,
    usPerMsg,
    msgsPerSec: received * 10,
    p50Ms: latencies[0],
    p99Ms: latencies[latencies.length - 1],
    incomplete: 0,
    badAnswers: 0,
  };
  // Every delivery of the round at one of `latencies` (ms), as the workers' histograms hold them.
  const histogram = mergeHistograms(latencies.map((ms) => ({
    count: received / latencies.length,
    maxUs: ms * 1000,
    buckets: [[bucketOf(ms * 1000), received / latencies.length] as const],
  })));
  return {
    result: { ...result, delivery: summarize(histogram) },
    after: { received, frames: received, receivedByNode: [] },
    latencies,
    histogram,
  };
}

function row(target: string, group: number, rounds: number[], clients = 1_000): PushResult {
  const measured = rounds.map((us) => round(us, clients));
  return {
    target,
    clients,
    channels: 1,
    perClient: 1,
    open: clients,
    failed: 0,
    connectMs: 1,
    rssBaseKiB: 1,
    rssIdleKiB: 2,
    bytesPerClient: target.startsWith("thunder") ? 1_100 : 1_000,
    paced: mergePhases(measured),
    pacedRounds: measured.map((m) => m.result),
    group,
    burst: round(1, clients).result,
    closedDuringRun: 0,
    complaints: [],
    crashed: false,
    error: null,
  };
}

function results(fanout: PushResult[], allRounds: PushResult[] | null = null): BenchResults {
  return {
    command: "deno task bench",
    quick: false,
    startedAt: "",
    seconds: 1,
    machine: {
      cpus: 2,
      cpuModel: "",
      memoryGiB: 1,
      kernel: "",
      deno: "",
      node: "",
      wrk: "",
      openFiles: "",
      commit: "",
      loadBefore: [],
    },
    targets: [],
    plans: { fanout: "", manyChannels: "", api: "" },
    rounds: allRounds ? 2 : 1,
    fanout,
    manyChannels: [],
    api: [],
    loadAfter: [],
    loadDuring: [],
    allRounds: allRounds ? { fanout: allRounds, manyChannels: [] } : null,
  };
}

Deno.test("sideBySide: the single servers of each runtime together, a cluster on its own", () => {
  const ids = (groups: { id: string }[][]) => groups.map((g) => g.map((t) => t.id));
  assert.deepEqual(ids(sideBySide(TARGETS)), [
    ["bare-deno", "thunder-deno", "thunder-deno-node", "bare-deno-ws"],
    ["thunder-cluster"],
    ["thunder-cluster-45k"],
    ["bare-node", "thunder-node", "sockjs-node"],
  ]);
  const pick = (...want: string[]) => TARGETS.filter((t) => want.includes(t.id));
  assert.deepEqual(ids(sideBySide(pick("thunder-deno", "sockjs-node"))), [
    ["thunder-deno"],
    ["sockjs-node"],
  ]);
  assert.deepEqual(sideBySide([]), []);
});

Deno.test("mergePhases: counts and CPU added up, figures from the sums, latencies pooled", () => {
  const merged = mergePhases([
    round(10, 1_000, 10, [1, 2, 3]),
    round(20, 1_000, 30, [4, 5, 6, 7, 8, 9, 10]),
  ]);
  assert.equal(merged.publishes, 40);
  assert.equal(merged.received, 40_000);
  assert.equal(merged.serverCpuUs, 10 * 10_000 + 20 * 30_000);
  // Weighted by deliveries, not the mean of the two rounds' figures.
  assert.equal(merged.usPerMsg, 700_000 / 40_000);
  assert.equal(merged.wallMs, 200);
  assert.equal(merged.msgsPerSec, 40_000 / 0.2);
  assert.equal(merged.p50Ms, 5);
  assert.equal(merged.p99Ms, 10);
  // One round is that round.
  const one = round(3);
  assert.equal(mergePhases([one]), one.result);
});

Deno.test("mergePhases adds up a cluster's nodes and its Redis", () => {
  const node = (received: number, cpuUs: number) => ({
    clients: 10,
    received,
    cpuUs,
    usPerMsg: cpuUs / received,
  });
  const part = (a: number, b: number): Measured => {
    const m = round(1, 20, 1);
    return {
      ...m,
      result: {
        ...m.result,
        nodes: [node(10, a), node(10, b)],
        redisCpuUs: 5,
        redisUsPerPublish: 5,
      },
    };
  };
  const merged = mergePhases([part(100, 200), part(300, 200)]);
  assert.deepEqual(merged.nodes, [node(20, 400), node(20, 400)]);
  assert.equal(merged.redisCpuUs, 10);
  assert.equal(merged.redisUsPerPublish, 5);
});

Deno.test("pacedRoundRatios pairs round k with round k of the same group only", () => {
  const rows = [
    row("bare-deno", 1, [10, 10, 20]),
    row("thunder-deno", 1, [11, 12, 10]),
    row("bare-deno", 2, [5, 5, 5]),
    row("thunder-deno", 3, [50, 50, 50]),
  ];
  assert.deepEqual(pacedRoundRatios(rows, "thunder-deno", "bare-deno", 1_000), [1.1, 1.2, 0.5]);
  assert.deepEqual(pacedRoundRatios(rows, "thunder-deno", "bare-deno", 5_000), []);
  // Rows written before groups have neither a group nor rounds.
  const old = rows.map(({ group: _g, pacedRounds: _r, ...rest }) => rest);
  assert.deepEqual(pacedRoundRatios(old, "thunder-deno", "bare-deno", 1_000), []);
});

Deno.test("checks: the paced target is the median of the paired rounds, not the pooled figure", () => {
  // One disturbed round (30 µs) pulls the pooled ratio over the goal; the median of the rounds'
  // ratios leaves it out.
  const fanout = [
    row("bare-deno", 1, [10, 10, 10, 10, 10]),
    row("thunder-deno", 1, [10.5, 10.5, 10.5, 10.5, 30]),
  ];
  const paced = checks(results(fanout)).find((c) => c.what.startsWith("CPU/msg paced"));
  assert.deepEqual(paced, {
    what: "CPU/msg paced @1,000 vs bare-deno (median of 5 paired rounds)",
    value: "1.05x",
    goal: "≤ 1.1x",
    met: true,
  });
  assert(fanout[1].paced!.usPerMsg / fanout[0].paced!.usPerMsg > 1.1, "pooled would fail");
  // Every round of a run with several: the pairs of both rounds count.
  const all = [
    ...fanout,
    row("bare-deno", 2, [10, 10, 10, 10]),
    row("thunder-deno", 2, [12, 12, 12, 12]),
  ];
  const both = checks(results(fanout, all)).find((c) => c.what.startsWith("CPU/msg paced"));
  assert.deepEqual(both, {
    what: "CPU/msg paced @1,000 vs bare-deno (median of 9 paired rounds)",
    value: "1.20x",
    goal: "≤ 1.1x",
    met: false,
  });
});

Deno.test("checks: without rounds the paced target is the rows' ratio", () => {
  const plain = (r: PushResult) => ({ ...r, pacedRounds: undefined, group: undefined });
  const fanout = [row("bare-deno", 1, [10]), row("thunder-deno", 1, [10.5])].map(plain);
  const paced = checks(results(fanout)).find((c) => c.what.startsWith("CPU/msg paced"));
  assert.deepEqual(paced, {
    what: "CPU/msg paced @1,000 vs bare-deno",
    value: "1.05x",
    goal: "≤ 1.1x",
    met: true,
  });
});

Deno.test("checks: Node memory against bare Node where both ran", () => {
  const deno = [row("bare-deno", 1, [10, 10]), row("thunder-deno", 1, [10, 10])];
  const what = (list: PushResult[]) =>
    checks(results(list)).map((c) => c.what).filter((w) => w.includes("thunder-node"));
  assert.deepEqual(what(deno), []);
  const node = [row("bare-node", 2, [10, 10]), row("thunder-node", 2, [10, 10])];
  const check = checks(results([...deno, ...node])).find((c) => c.what.includes("thunder-node"));
  assert.deepEqual(check, {
    what: "memory/client @1,000, thunder-node vs bare-node",
    value: "1.10x",
    goal: "≤ 1.15x",
    met: true,
  });
});

Deno.test("pacedRoundsTable: each server's rounds, the ratio to its group's anchor", () => {
  const table = pacedRoundsTable([
    row("bare-deno", 1, [10, 20]),
    row("thunder-deno", 1, [11, 24]),
    row("sockjs-node", 2, [30, 30]),
  ]);
  const lines = table.split("\n");
  assert.equal(lines.length, 4, table);
  assert.match(
    lines[2],
    /^\| bare-deno \| 1,000 \| 10\.0 · 20\.0 \| 15\.00 \| — \| \(anchor\) \|$/,
  );
  assert.match(
    lines[3],
    /^\| thunder-deno \| 1,000 \| 11\.0 · 24\.0 \| 17\.50 \| 1\.15x \| 1\.10x – 1\.20x \|$/,
  );
  assert.equal(pacedRoundsTable([row("sockjs-node", 2, [30, 30])]), "");
});
