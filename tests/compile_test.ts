/**
 * `deno task compile`: one self-contained binary. `deno compile` needs the `denort` runtime,
 * which it downloads unless `DENORT_BIN` names a local copy; that download is not reachable here,
 * so this test runs only where `DENORT_BIN` is set and is reported as ignored otherwise.
 */

import assert from "node:assert/strict";
import { VERSION } from "../lib/version.ts";
import { apiClient, KEY, listenArgs, SECRET, spawnServer } from "./helpers/target.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DENORT_BIN = Deno.env.get("DENORT_BIN");
const REASON = "DENORT_BIN is not set, and deno compile cannot download its runtime (denort) here";

/** The `compile` task's arguments, writing the binary to `output` instead of dist/. */
async function compileArgs(output: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const words = (config.tasks.compile as string).split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "compile"]);
  const at = words.indexOf("--output");
  assert.ok(at > 0, "the compile task names its --output");
  words[at + 1] = output;
  return words.slice(1);
}

Deno.test({
  name: `deno task compile: the binary prints its version and serves${
    DENORT_BIN ? "" : ` (skipped: ${REASON})`
  }`,
  ignore: !DENORT_BIN,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "thunderpush-compile-" });
    try {
      const binary = `${dir}/thunderpush`;
      const compile = await new Deno.Command(Deno.execPath(), {
        args: await compileArgs(binary),
        cwd: ROOT,
        stdin: "null",
      }).output();
      assert.equal(compile.code, 0, new TextDecoder().decode(compile.stderr));
      const version = await new Deno.Command(binary, { args: ["-V"] }).output();
      assert.equal(new TextDecoder().decode(version.stdout), `${VERSION}\n`);
      const pidPath = `${dir}/thunderpush.pid`;
      const server = await spawnServer(binary, [
        ...listenArgs(pidPath, KEY, SECRET),
      ]);
      try {
        const api = apiClient(`http://127.0.0.1:${server.port}`);
        assert.deepEqual(await api("GET", "/users/"), { status: 200, text: '{"count": 0}\n' });
      } finally {
        assert.equal((await server.stop("SIGTERM")).code, 0, server.stderr());
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
