/**
 * The bench's smoke run (`deno task bench --quick`): it runs to the end by itself, measures every
 * scenario with sane figures (the cluster row too: three nodes on one Redis, no message lost),
 * writes its report and chart, and leaves no process behind (Redis included). No timing targets
 * are asserted: the machine is shared.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

interface Phase {
  publishes: number;
  expected: number;
  received: number;
  usPerMsg: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  delivery: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
  incomplete: number;
  nodes?: { clients: number; received: number; cpuUs: number; usPerMsg: number }[];
  redisCpuUs?: number;
  redisUsPerPublish?: number;
}

interface Row {
  target: string;
  nodes?: number;
  clients: number;
  open: number;
  bytesPerClient: number;
  paced: Phase | null;
  pacedRounds?: Phase[];
  group?: number;
  burst: Phase | null;
  crashed: boolean;
  error: string | null;
}

interface Results {
  quick: boolean;
  seconds: number;
  fanout: Row[];
  manyChannels: Row[];
  clusterGrowth: Row[];
  api: {
    target: string;
    post: { rps: number; errors: number } | null;
    users: { rps: number } | null;
    rounds: { post: unknown[]; users: unknown[] };
  }[];
  machine: { wrk: string };
}

/** Process ids whose environment carries `marker` (the bench's children inherit it). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${entry.name}/environ`).includes(marker)) {
        found.push(Number(entry.name));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function assertSanePhase(where: string, phase: Phase | null): void {
  assert(phase !== null, `${where}: phase missing`);
  assert.equal(phase.received, phase.expected, `${where}: every delivery arrives`);
  assert.equal(phase.incomplete, 0, `${where}: every publish completes`);
  assert(phase.usPerMsg > 0 && phase.usPerMsg < 100_000, `${where}: µs/msg ${phase.usPerMsg}`);
  assert(phase.msgsPerSec > 0, `${where}: msgs/s ${phase.msgsPerSec}`);
  assert(phase.p50Ms > 0 && phase.p50Ms <= phase.p99Ms, `${where}: p50 ${phase.p50Ms}`);
  assert(phase.p99Ms < 30_000, `${where}: p99 ${phase.p99Ms}`);
  // Every delivery timed, and the last delivery of the slowest publish is the largest of them.
  const d = phase.delivery;
  assert.equal(d.count, phase.received, `${where}: every delivery's latency`);
  assert(d.p50Ms > 0 && d.p50Ms <= d.p99Ms && d.p99Ms <= d.maxMs, `${where}: ${JSON.stringify(d)}`);
  assert(Math.abs(d.maxMs - phase.p99Ms) < 0.01 || d.maxMs > phase.p99Ms, `${where}: max`);
}

/** The cluster-growth rows: one node, then three, each node with its share, none lost. */
function assertSaneGrowth(rows: Row[]): void {
  assert.deepEqual(rows.map((r) => [r.nodes, r.clients]), [[1, 100], [3, 300]]);
  for (const row of rows) {
    const where = `thunder-cluster-45k, ${row.nodes} nodes`;
    assert.equal(row.error, null, `${where}: error`);
    assert.equal(row.open, row.clients, `${where}: every client connects`);
    assert.equal(row.burst, null, `${where}: paced only`);
    assertSanePhase(where, row.paced);
    const phase = row.paced!;
    assert.equal(phase.nodes?.length, row.nodes, `${where}: per-node figures`);
    for (const [i, node] of phase.nodes!.entries()) {
      // 5 channels, 100 clients a node: each publish reaches 20 clients on every node.
      assert.equal(node.received, 20 * phase.publishes, `${where}: node ${i + 1} deliveries`);
    }
    assert(phase.redisCpuUs! > 0, `${where}: Redis CPU`);
  }
}

/** The cluster row: three nodes, each delivering to its own third of the clients, none lost. */
function assertSaneCluster(row: Row): void {
  assert.equal(row.nodes, 3, "three nodes");
  for (const [name, phase] of [["paced", row.paced], ["burst", row.burst]] as const) {
    const where = `thunder-cluster @${row.clients} ${name}`;
    assert(phase?.nodes, `${where}: per-node figures`);
    assert.equal(phase.expected - phase.received, 0, `${where}: 0 lost messages`);
    assert.equal(phase.nodes.length, 3, `${where}: three nodes`);
    assert.equal(
      phase.nodes.reduce((n, node) => n + node.clients, 0),
      row.clients,
      `${where}: every client on a node`,
    );
    for (const [i, node] of phase.nodes.entries()) {
      assert(Math.abs(node.clients - row.clients / 3) < 1, `${where}: node ${i + 1} has a third`);
      assert.equal(
        node.received,
        node.clients * phase.publishes,
        `${where}: node ${i + 1} delivered every publish to each of its clients`,
      );
      assert(node.cpuUs > 0 && node.usPerMsg > 0, `${where}: node ${i + 1} CPU ${node.cpuUs}`);
    }
    assert(
      phase.redisCpuUs !== undefined && phase.redisCpuUs > 0 && phase.redisUsPerPublish! > 0,
      `${where}: Redis CPU ${phase.redisCpuUs}`,
    );
  }
}

function assertSaneRow(row: Row): void {
  const where = `${row.target} @${row.clients}`;
  assert.equal(row.error, null, `${where}: error`);
  assert.equal(row.crashed, false, `${where}: crashed`);
  assert.equal(row.open, row.clients, `${where}: every client connects`);
  assert(
    row.bytesPerClient > 0 && row.bytesPerClient < 1_000_000,
    `${where}: bytes per client ${row.bytesPerClient}`,
  );
  assertSanePhase(`${where} paced`, row.paced);
  assertSanePhase(`${where} burst`, row.burst);
}

Deno.test("deno task bench --quick runs every scenario and reports sane figures", async () => {
  const out = await Deno.makeTempDir({ prefix: "bench_quick_" });
  const marker = `THUNDER_BENCH_RUN=${crypto.randomUUID()}`;
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}bench/main.ts`, "--quick", "--out", out],
      cwd: ROOT,
      env: { THUNDER_BENCH_RUN: marker.split("=")[1] },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(stderr);
    assert.equal(code, 0, `bench failed:\n${log}`);
    assert(new TextDecoder().decode(stdout).includes("## Targets"), "the report is printed");

    const results = JSON.parse(await Deno.readTextFile(`${out}/results.json`)) as Results;
    assert(results.quick);
    assert(results.seconds < 150, `the quick run took ${results.seconds} s (its deadline)`);
    const targets = new Set(results.fanout.map((r) => r.target));
    for (const id of ["bare-deno", "thunder-deno", "thunder-cluster"]) {
      assert(targets.has(id), `${id} measured`);
    }
    assert(results.fanout.length >= 5, "fan-out rows");
    results.fanout.forEach(assertSaneRow);
    // Bare Deno and Thunderpush on Deno ran side by side: one group, their paced rounds in turn.
    for (const clients of [100, 300]) {
      const [bare, thunder] = ["bare-deno", "thunder-deno"].map((id) =>
        results.fanout.find((r) => r.target === id && r.clients === clients)
      );
      assert(bare?.group !== undefined && bare.group === thunder?.group, `one group @${clients}`);
      for (const r of [bare, thunder]) {
        assert.equal(r.pacedRounds?.length, 2, `${r.target} @${clients}: two paced rounds`);
        assert.equal(r.paced?.publishes, 6, `${r.target} @${clients}: 6 paced publishes`);
        r.pacedRounds.forEach((p, k) => assertSanePhase(`${r.target} @${clients} round ${k}`, p));
        assert.equal(
          r.pacedRounds.reduce((n, p) => n + p.received, 0),
          r.paced.received,
          `${r.target} @${clients}: the rounds add up to the row`,
        );
      }
    }
    const clusters = results.fanout.filter((r) => r.target === "thunder-cluster");
    assert.equal(clusters.length, 1, "the cluster runs at the smallest size only");
    clusters.forEach(assertSaneCluster);
    assert(
      !results.manyChannels.some((r) => r.target === "thunder-cluster") &&
        !results.api.some((r) => r.target === "thunder-cluster"),
      "the cluster is a fan-out row only",
    );
    assertSaneGrowth(results.clusterGrowth);
    assert(results.manyChannels.some((r) => r.target === "thunder-deno"), "many channels row");
    results.manyChannels.forEach(assertSaneRow);
    // `deno task test` installs wrk (tests/setup.ts), so the API part always runs here.
    assert(results.machine.wrk, "wrk found (the set-up installs it)");
    const api = results.api.find((r) => r.target === "thunder-deno");
    assert(api?.post && api.post.rps > 0, "API POST figures");
    assert(api?.users && api.users.rps > 0, "API GET figures");
    assert.equal(api.rounds.post.length, 1, "one wrk round in the quick run");
    for (const anchor of ["bare-deno-http", "bare-deno-http-read"]) {
      const row = results.api.find((r) => r.target === anchor);
      assert(row?.post && row.post.rps > 0 && row.post.errors === 0, `${anchor} measured`);
    }

    const svg = await Deno.readTextFile(`${out}/growth.svg`);
    assert(svg.startsWith("<svg") && svg.includes("polyline"), "growth chart drawn");
    const cluster = await Deno.readTextFile(`${out}/cluster.svg`);
    assert(cluster.startsWith("<svg") && cluster.includes("polyline"), "cluster chart drawn");
    const report = await Deno.readTextFile(`${out}/results.md`);
    for (
      const heading of [
        "## Targets",
        "## Fan-out",
        "### Paced, round by round",
        "## Cluster",
        "## Latency: publish to delivery",
        "## Cluster growth",
        "## Idle memory",
        "## Growth",
        // Issue 22's API targets: the fair anchor and 8x the original.
        "req/s vs bare Deno.serve reading the body as JSON",
        "8x the original's 3,281",
      ]
    ) {
      assert(report.includes(heading), `report has ${heading}`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  assert.deepEqual(processesWith(marker), [], "the bench leaves no process behind");
});
