/**
 * The publish latency histogram counts in plain numbers on the hot path; its exposition must be
 * exactly prom-client's for the same observations.
 */

import assert from "node:assert/strict";
import client from "npm:prom-client@15.1.3";
import { PlainHistogram, PROMETHEUS_CONTENT_TYPE } from "../lib/metrics.ts";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const CONFIG = { name: "latency_seconds", help: "Latency." };

Deno.test("PlainHistogram renders exactly what prom-client's Histogram renders", async () => {
  const promRegistry = new client.Registry();
  const prom = new client.Histogram({
    ...CONFIG,
    labelNames: ["kind"],
    buckets: BUCKETS,
    registers: [promRegistry],
  });
  const plainRegistry = new client.Registry();
  const plain = new PlainHistogram({
    ...CONFIG,
    labelName: "kind",
    buckets: BUCKETS,
  });
  plain.register(plainRegistry);
  assert.equal(await plainRegistry.metrics(), await promRegistry.metrics());
  // Bounds themselves, values between and beyond them, zero, in both label values.
  const values = [...BUCKETS, 0, 2, 1e-9, 0.003, ...BUCKETS.map((b) => b * 1.0001)];
  let seed = 7;
  for (let i = 0; i < 2_000; i++) {
    seed = (seed * 48271) % 2147483647;
    values.push((seed / 2147483647) ** 4 * 1.5);
  }
  for (const [i, value] of values.entries()) {
    const kind = i % 3 === 0 ? "user" : "channel";
    prom.observe({ kind }, value);
    plain.observe(kind, value);
    if (i % 500 === 0) assert.equal(await plainRegistry.metrics(), await promRegistry.metrics());
  }
  assert.equal(await plainRegistry.metrics(), await promRegistry.metrics());
  assert.throws(() => plain.observe("user", NaN), TypeError);
});

Deno.test("Metrics: the content type is prom-client's", () => {
  assert.equal(PROMETHEUS_CONTENT_TYPE, client.Registry.PROMETHEUS_CONTENT_TYPE);
});
