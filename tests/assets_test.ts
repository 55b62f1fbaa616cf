/** The embedded browser assets match their sources (run `deno task assets` after editing). */

import assert from "node:assert/strict";
import { renderEmbedded } from "./tools/embed_assets.ts";

Deno.test("lib/assets/embedded.ts is generated from the current client files", async () => {
  const root = new URL("../", import.meta.url);
  const current = await Deno.readTextFile(new URL("lib/assets/embedded.ts", root));
  assert.ok(
    current === await renderEmbedded(root),
    "lib/assets/embedded.ts is out of date: run `deno task assets`",
  );
});

Deno.test("client/vendor/sockjs.min.js is the browser build of the npm sockjs-client", async () => {
  const root = new URL("../", import.meta.url);
  const vendored = await Deno.readTextFile(new URL("client/vendor/sockjs.min.js", root));
  const npm = await Deno.readTextFile(
    new URL("node_modules/sockjs-client/dist/sockjs.min.js", root),
  );
  assert.ok(vendored === npm, "client/vendor/sockjs.min.js differs from node_modules");
});
