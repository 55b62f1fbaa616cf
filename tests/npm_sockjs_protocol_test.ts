/**
 * The SockJS protocol suite (tests/sockjs_protocol/) against the npm build on Node: every
 * transport (streaming and polling responses, JSONP, the iframe page, WebSockets) through the Node
 * adapter. The server is the one tests/fixtures/sockjs_test_server.ts runs on Deno: the same
 * handler (tests/fixtures/sockjs_test_handler.ts, its types stripped and its imports pointed at
 * the build) served by the build's `serve`.
 *
 * @module
 */

import ts from "typescript";
import { suiteAgainstChild } from "./sockjs_protocol/child.ts";
import { ensureNpmBuild, NPM_DIR } from "./helpers/node_target.ts";

/** Tests this server does not pass, with the reason. */
export const SKIPPED: Record<string, string> = {
  "Websocket.test_haproxy":
    "Hixie-76 (draft-76) WebSockets: the ws package speaks RFC 6455 only, as every browser since 2012 does",
};

const HANDLER = new URL("./fixtures/sockjs_test_handler.ts", import.meta.url);
const LIB = new URL("../lib/", import.meta.url).href;

/** The test handler as JavaScript importing the build's modules. */
async function handlerModule(): Promise<string> {
  const source = await Deno.readTextFile(HANDLER);
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  return outputText.replace(/(["'])(\.\.?\/[^"']+)\.ts\1/g, (_, quote, path) => {
    const url = new URL(path + ".ts", HANDLER).href;
    if (!url.startsWith(LIB)) throw new Error(`the handler imports ${url}, outside lib/`);
    return `${quote}file://${NPM_DIR}/esm/lib/${url.slice(LIB.length, -3)}.js${quote}`;
  });
}

const SERVER = `
import process from "node:process";
import { serve } from "file://${NPM_DIR}/esm/lib/adapters/serve_node.js";
import { createSockjsTestHandler } from "./handler.mjs";

const { handler, servers } = createSockjsTestHandler();
const server = await serve(handler, { port: Number(process.argv[2] ?? "8081"), hostname: "127.0.0.1" });
console.log(\`listening \${server.addr.port}\`);
process.on("SIGTERM", async () => {
  for (const s of servers) s.closeAll();
  await server.close();
  process.exit(0);
});
`;

await ensureNpmBuild();
const dir = await Deno.makeTempDir({ prefix: "thunderpush-sockjs-node-" });
await Deno.writeTextFile(`${dir}/handler.mjs`, await handlerModule());
await Deno.writeTextFile(`${dir}/server.mjs`, SERVER);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

await suiteAgainstChild("thunderpush (node build)", "node", [`${dir}/server.mjs`, "0"], SKIPPED);
