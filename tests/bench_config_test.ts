/**
 * How the bench grows the fan-out's publish counts at small client counts (bench/config.ts).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  clusterGrowthPlan,
  describeFanout,
  fanoutPlan,
  FULL,
  QUICK,
  type RunConfig,
} from "../bench/config.ts";
import { pacedPublishes } from "../bench/push.ts";

Deno.test("fanoutPlan grows the warm-up and the paced phase until they bring enough messages", () => {
  const at = (clients: number) => {
    const { warmup, paced, burst } = fanoutPlan(FULL, clients);
    return { warmup, paced, burst };
  };
  // 20,000 and 300,000 deliveries at least; never fewer publishes than the plan's own counts.
  assert.deepEqual(at(1_000), { warmup: 20, paced: 300, burst: 20 });
  assert.deepEqual(at(3_000), { warmup: 7, paced: 100, burst: 20 });
  assert.deepEqual(at(5_000), { warmup: 4, paced: 60, burst: 20 });
  assert.deepEqual(at(10_000), { warmup: 3, paced: 30, burst: 20 });
  assert.deepEqual(at(15_000), { warmup: 3, paced: 20, burst: 20 });
  assert.equal(fanoutPlan(FULL, 1_000).clients, 1_000);
});

Deno.test("fanoutPlan counts the messages of clients in several channels", () => {
  const config: RunConfig = { ...FULL, fanout: { ...FULL.fanout, perClient: 4 } };
  assert.equal(fanoutPlan(config, 1_000).paced, 75);
});

Deno.test("without scaling the plan is the same at every size", () => {
  for (const clients of [1, 100, 300, 50_000]) {
    assert.deepEqual(fanoutPlan(QUICK, clients), { ...QUICK.fanout, clients });
  }
});

Deno.test("the report's sentence gives the grown counts where they differ", () => {
  const text = describeFanout(FULL);
  assert.match(
    text,
    /20 and 300 at 1,000 clients, 4 and 60 at 5,000 clients, 3 and 30 at 10,000 clients,/,
  );
  assert.doesNotMatch(text, /at 15,000 clients/);
  assert.match(text, /taken in 10 rounds/);
  assert.doesNotMatch(describeFanout(QUICK), /grow/);
});

Deno.test("clusterGrowthPlan: the same clients per node; channels on every node or a throw", () => {
  assert.deepEqual(FULL.clusterGrowth.nodeCounts.map((n) => clusterGrowthPlan(FULL, n).clients), [
    15_000,
    45_000,
  ]);
  for (const config of [FULL, QUICK]) {
    for (const n of config.clusterGrowth.nodeCounts) clusterGrowthPlan(config, n);
  }
  const even: RunConfig = {
    ...FULL,
    clusterGrowth: { ...FULL.clusterGrowth, plan: { ...FULL.clusterGrowth.plan, channels: 10 } },
  };
  assert.throws(() => clusterGrowthPlan(even, 2), /10 channels on 2 nodes/);
  assert.equal(clusterGrowthPlan(even, 3).clients, 45_000);
});

Deno.test("pacedPublishes rounds the paced count up to whole rounds", () => {
  const plan = (paced: number, pacedRounds: number) => ({ paced, pacedRounds });
  assert.equal(pacedPublishes(plan(20, 10)), 20);
  assert.equal(pacedPublishes(plan(21, 10)), 30);
  assert.equal(pacedPublishes(plan(5, 2)), 6);
  assert.equal(pacedPublishes(plan(7, 1)), 7);
  // Every size of a full run takes whole rounds of its grown count.
  for (const clients of FULL.fanoutSizes) {
    const p = fanoutPlan(FULL, clients);
    assert.equal(pacedPublishes(p) % p.pacedRounds, 0);
    assert(pacedPublishes(p) >= p.paced);
  }
});
