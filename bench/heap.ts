/**
 * Live JS heap per connected, subscribed client, the memory figure that does not depend on when
 * the garbage collector ran or what the allocator kept (RSS does). For each server: start it
 * with the V8 inspector on, connect `--from` clients with the bench's own load generator, force
 * full collections and read the live heap, connect clients up to `--to`, read it again; the
 * difference divided by the clients added is the heap each one costs.
 *
 * Usage: `deno run -A bench/heap.ts [--only IDS] [--from N] [--to N] [--rounds N]`
 * (default: bare-deno, thunder-deno, bare-node, thunder-node; 1,000 and 3,000 clients; 2 rounds,
 * the smaller figure reported). Prints one line per server and round, then a table.
 *
 * @module
 */

// deno-lint-ignore-file no-console

import { parseArgs } from "node:util";
import { Fleet } from "./loadgen/fleet.ts";
import { KEY, startTarget, TARGETS } from "./targets.ts";
import { freePort, Inspector } from "../tests/helpers/inspector.ts";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "bare-deno,thunder-deno,bare-node,thunder-node" },
    from: { type: "string", default: "1000" },
    to: { type: "string", default: "3000" },
    rounds: { type: "string", default: "2" },
  },
});
const from = Number(values.from);
const to = Number(values.to);
const rounds = Number(values.rounds);
if (!(from >= 1 && to > from && rounds >= 1)) throw new Error("--from N --to M with M > N");

/** Connects `clients` clients, each in channel ch0. */
function fleet(port: number, clients: number): Promise<Fleet> {
  return Fleet.start({
    host: "127.0.0.1",
    port,
    clients,
    key: KEY,
    channels: 1,
    perClient: 1,
    maxSeq: 1,
  });
}

/** Live heap in bytes once the server has settled (two forced collections). */
async function settledHeap(inspector: Inspector): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return await inspector.liveHeap();
}

const ids = values.only.split(",");
const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const id of r % 2 === 0 ? ids : [...ids].reverse()) {
    const target = TARGETS.find((t) => t.id === id);
    if (!target || target.nodes) throw new Error(`not a single server: ${id}`);
    if (target.missing) {
      console.log(`${id}: ${target.missing}, skipped`);
      continue;
    }
    const port = freePort();
    const server = await startTarget(target, { runtimeArgs: [`--inspect=127.0.0.1:${port}`] });
    const inspector = await Inspector.connect(port);
    const fleets: Fleet[] = [];
    try {
      fleets.push(await fleet(server.port, from));
      const before = await settledHeap(inspector);
      fleets.push(await fleet(server.port, to - from));
      const after = await settledHeap(inspector);
      const open = fleets.reduce((n, f) => n + f.open, 0);
      if (open !== to) throw new Error(`${id}: ${open} of ${to} clients open`);
      const perClient = (after - before) / (to - from);
      results.set(id, [...(results.get(id) ?? []), perClient]);
      console.log(
        `${id} round ${r + 1}: ${(before / 1e6).toFixed(2)} -> ${(after / 1e6).toFixed(2)} MB, ` +
          `${(perClient / 1000).toFixed(2)} KB per client`,
      );
    } finally {
      for (const f of fleets) await f.close();
      await inspector.close();
      await server.stop();
    }
  }
}
console.log(
  `\n| server | live JS heap per client (${from} -> ${to} clients, least of ${rounds}) |`,
);
console.log("| --- | ---: |");
for (const [id, figures] of results) {
  console.log(`| ${id} | ${(Math.min(...figures) / 1000).toFixed(2)} KB |`);
}
