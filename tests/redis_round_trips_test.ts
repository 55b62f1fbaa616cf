/**
 * Round trips to Redis per API publish, seen by a real redis-server through `MONITOR`: a publish
 * to a channel or a user, with history or without, is one command from the node (the script that
 * adds up the other live nodes' count and publishes), so that extra round trips cannot creep back.
 */

import assert from "node:assert/strict";
import { Thunderpush } from "../lib/server.ts";
import { RedisBroker } from "../lib/broker/redis.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import { apiClient, KEY, SECRET, type Target } from "./helpers/target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { type RedisServer, startRedis } from "./helpers/redis.ts";

async function startNode(redis: RedisServer, history: boolean): Promise<Target> {
  let broker!: RedisBroker;
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    ...(history ? { history: { size: 100, ttl: 60 } } : {}),
    // A long TTL: no heartbeat falls within the test.
    broker: (hub, policies) =>
      broker = new RedisBroker(hub, { url: redis.url, presenceTtl: 600_000, history: policies }),
  });
  await broker.whenReady();
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    api: apiClient(base),
    async close() {
      await thunder.close();
      await server.close();
    },
  };
}

/** The commands Redis runs, as `MONITOR` lists them (`"NAME" "arg"...`, `lua` for a script's). */
class Monitor {
  #conn: Deno.TcpConn;
  #lines: string[] = [];
  #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = this.#read();
  }

  static async start(port: number): Promise<Monitor> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("MONITOR\r\n"));
    return new Monitor(conn);
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    try {
      for await (const chunk of this.#conn.readable) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split("\r\n");
        rest = lines.pop()!;
        this.#lines.push(...lines);
      }
    } catch { /* closed */ }
  }

  /** The commands from clients (not from scripts) between two `ECHO` marks `mark`. */
  async between(mark: string): Promise<string[]> {
    const quoted = `"ECHO" "${mark}"`;
    const deadline = Date.now() + 3_000;
    while (this.#lines.filter((l) => l.endsWith(quoted)).length < 2) {
      if (Date.now() > deadline) throw new Error(`no two marks ${mark}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const start = this.#lines.findIndex((l) => l.endsWith(quoted));
    const end = this.#lines.findIndex((l, i) => i > start && l.endsWith(quoted));
    return this.#lines.slice(start + 1, end)
      .filter((l) => !/\[\d+ lua\]/.test(l))
      .map((l) => l.slice(l.indexOf("] ") + 2));
  }

  async close(): Promise<void> {
    this.#conn.close();
    await this.#reading;
  }
}

/** The commands a node sends Redis for `work`, less the background ones (probes, stats). */
async function commandsOf(
  redis: RedisServer,
  monitor: Monitor,
  work: () => Promise<void>,
): Promise<string[]> {
  const mark = crypto.randomUUID();
  await redis.command("ECHO", mark);
  await work();
  await redis.command("ECHO", mark);
  return (await monitor.between(mark))
    // Health probes, and stats reports (a MULTI of commands on `...:stats:...` and `...:hist:...`).
    .filter((c) => !/^"(TIME|MULTI|EXEC)"$/.test(c) && !/:(stats|hist):/.test(c))
    .map((c) => c.split(" ")[0]);
}

for (const history of [false, true]) {
  Deno.test(`redis round trips: a publish is one command${history ? " (history)" : ""}`, async () => {
    const redis = await startRedis();
    const nodes = [await startNode(redis, history), await startNode(redis, history)];
    const clients: SockjsWs[] = [];
    const monitor = await Monitor.start(redis.port);
    try {
      for (const [i, node] of nodes.entries()) {
        const c = await SockjsWs.session(node.base);
        c.send(`CONNECT u${i}:${KEY}`, "SUBSCRIBE news");
        clients.push(c);
      }
      const counts = async () => [
        (await nodes[0].api("POST", "/channels/news/", "1")).text,
        (await nodes[0].api("POST", "/users/u1/", "1")).text,
      ];
      // Until both sessions are mirrored in Redis; the scripts are known to Redis after that.
      const deadline = Date.now() + 5_000;
      while ((await counts()).join() !== '{"count": 2}\n,{"count": 1}\n') {
        if (Date.now() > deadline) throw new Error("sessions not seen by node 0");
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const path of ["/channels/news/", "/users/u1/"]) {
        const sent = await commandsOf(redis, monitor, async () => {
          const res = await nodes[0].api("POST", path, '"x"');
          assert.equal(res.status, 200, res.text);
        });
        assert.deepEqual(sent, ['"EVALSHA"'], `${path}: ${sent.join(" ")}`);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(nodes.map((n) => n.close()));
      await monitor.close();
      await redis.stop();
    }
  });
}
