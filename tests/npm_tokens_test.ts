/** The token suite against the npm build run by Node (`--require-token` and an `--apps` file). */

import { defineTokenSuite } from "./e2e/tokens_suite.ts";
import { tokensCli } from "./helpers/tokens.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";

const node = tokensCli("node");
defineTokenSuite("node build", async () => {
  await ensureNpmBuild();
  return await node();
});
