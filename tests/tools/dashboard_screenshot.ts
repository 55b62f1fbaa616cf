/**
 * Takes docs/dashboard.png: two nodes on a real redis-server, SockJS clients coming and going on
 * both, pushes at a varying rate for about a minute, then the dashboard in headless Chromium.
 *
 *     deno run -A tests/tools/dashboard_screenshot.ts [out.png]
 *
 * @module
 */

// deno-lint-ignore-file no-console

import { KEY, SECRET, startServer, type TestServer } from "../helpers/server.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { startRedis } from "../helpers/redis.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { RedisBroker } from "../../lib/broker/redis.ts";

const out = Deno.args[0] ?? new URL("../../docs/dashboard.png", import.meta.url).pathname;
const SECONDS = Number(Deno.env.get("SCREENSHOT_SECONDS") ?? 60);
const CHANNELS = ["news", "sport", "weather", "markets", "chat-lobby", "chat-support"];

const redis = await startRedis();
const nodes: TestServer[] = [];
for (let i = 0; i < 2; i++) {
  let broker!: RedisBroker;
  nodes.push(startServer({ broker: (hub) => broker = new RedisBroker(hub, { url: redis.url }) }));
  await broker.whenReady();
}
const clients: SockjsWs[] = [];
const join = async (n: number) => {
  const node = nodes[n % 2];
  const c = await SockjsWs.session(node.base);
  const channels = CHANNELS.filter((_, i) => i === 0 || (n * 7 + i) % 3 === 0);
  c.send(`CONNECT user${n % 37}:${KEY}`, ...channels.map((ch) => `SUBSCRIBE ${ch}`));
  clients.push(c);
};
try {
  // The first read starts the history.
  for (const node of nodes) await node.api("GET", "/stats/");
  const start = Date.now();
  let n = 0;
  let running = true;
  // The load goes on while the browser opens, so that the rates shown are live ones.
  const load = (async () => {
    while (running) {
      const t = (Date.now() - start) / 1000;
      const wanted = Math.round(40 + 25 * Math.sin(t / 9) + Math.min(t, SECONDS) / 2);
      while (clients.length < wanted) await join(n++);
      while (clients.length > wanted) await clients.shift()!.close();
      const burst = Math.round(6 + 5 * Math.sin(t / 5));
      for (let i = 0; i < burst; i++) {
        const channel = CHANNELS[(i * i + Math.floor(t)) % CHANNELS.length];
        await nodes[i % 2].api("POST", `/channels/${channel}/`, `{"n": ${i}}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 740 } });
    await page.goto(`${nodes[0].base}/dashboard/`);
    await page.fill("input[name=key]", KEY);
    await page.fill("input[name=secret]", SECRET);
    await page.press("input[name=secret]", "Enter");
    await page.waitForSelector("#dashboard:not([hidden])");
    await new Promise((r) => setTimeout(r, 3_000));
    await page.screenshot({ path: out, fullPage: true });
    console.log(`wrote ${out}`);
  } finally {
    running = false;
    await load;
    await browser.close();
  }
} finally {
  await Promise.all(clients.map((c) => c.close()));
  for (const node of nodes) await node.close();
  await redis.stop();
}
