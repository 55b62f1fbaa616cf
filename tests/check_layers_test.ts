/** The import-rules check of `deno task lint` (tests/tools/check_layers.ts) on made-up graphs. */

import assert from "node:assert/strict";
import { checkGraph, importsOf, layerCycles } from "./tools/check_layers.ts";

Deno.test("checkGraph() reports a cycle and an upward import, and passes a clean graph", () => {
  const graph = new Map([
    ["lib/sockjs/routes.ts", ["lib/sockjs/server.ts", "lib/json.ts"]],
    ["lib/sockjs/server.ts", ["lib/sockjs/routes.ts"]],
    ["lib/hub/hub.ts", ["lib/api/handler.ts"]],
    ["lib/api/handler.ts", ["lib/hub/hub.ts", "lib/http/errors.ts"]],
    ["lib/json.ts", []],
  ]);
  assert.deepEqual(checkGraph(graph), [
    "cycle: lib/sockjs/routes.ts -> lib/sockjs/server.ts -> lib/sockjs/routes.ts",
    "cycle: lib/hub/hub.ts -> lib/api/handler.ts -> lib/hub/hub.ts",
    "forbidden import: lib/hub/hub.ts -> lib/api/handler.ts (hub may not import api)",
  ]);
  graph.set("lib/hub/hub.ts", ["lib/json.ts"]);
  graph.set("lib/sockjs/server.ts", ["lib/http/errors.ts"]);
  assert.deepEqual(checkGraph(graph), []);
});

Deno.test("checkGraph() refuses imports of the adapters and files in no layer", () => {
  const graph = new Map([
    ["lib/server.ts", ["lib/adapters/serve.ts"]],
    ["lib/elsewhere/x.ts", []],
    ["lib/adapters/serve.ts", ["lib/server.ts"]],
  ]);
  assert.deepEqual(checkGraph(graph), [
    "cycle: lib/server.ts -> lib/adapters/serve.ts -> lib/server.ts",
    "forbidden import: lib/server.ts -> lib/adapters/serve.ts (server may not import adapters)",
    'unplaced: lib/elsewhere/x.ts is in no layer (add "elsewhere" to LAYERS)',
    "forbidden import: lib/adapters/serve.ts -> lib/server.ts (adapters may not import server)",
  ]);
});

Deno.test("importsOf() reads type imports and re-exports, not imports in comments", () => {
  const source = [
    'import type { A } from "./a.ts";',
    'export { B } from "../b/b.ts";',
    "import {",
    "  C,",
    '} from "./c.ts";',
    'import assert from "node:assert";',
    '/** @example import { D } from "./d.ts"; */',
  ].join("\n");
  assert.deepEqual(importsOf("lib/sockjs/x.ts", source), [
    "lib/sockjs/a.ts",
    "lib/b/b.ts",
    "lib/sockjs/c.ts",
  ]);
});

Deno.test("LAYERS allows arrows one way only", () => {
  assert.deepEqual(layerCycles(), []);
});
