/**
 * The npm package as a user gets it: `npm pack` of `npm/`, installed into an empty folder, run
 * with `npx thunderpush`, answering the API and pushing to the npm `sockjs-client` in Node; and
 * the Node command line: help, version, usage errors, the PID file, signals.
 */

import assert from "node:assert/strict";
import { HELP, USAGE } from "../lib/cli/help.ts";
import { VERSION } from "../lib/version.ts";
import { ensureNpmBuild, NPM_BIN, NPM_DIR } from "./helpers/node_target.ts";
import { apiClient, eventually, KEY, listenArgs, SECRET, spawnServer } from "./helpers/target.ts";

const FIXTURE = new URL("./fixtures/sockjs_client.cjs", import.meta.url).pathname;
const decoder = new TextDecoder();

interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<Output> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    ...(cwd ? { cwd } : {}),
    stdin: "null",
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

function node(...args: string[]): Promise<Output> {
  return run("node", [NPM_BIN, ...args]);
}

/** Packs `npm/` into `dir` and installs the tarball into `dir/app`; returns `dir/app`. */
async function packAndInstall(dir: string): Promise<string> {
  const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], NPM_DIR);
  assert.equal(pack.code, 0, pack.stderr);
  const [{ filename, files }] = JSON.parse(pack.stdout);
  const paths = files.map((f: { path: string }) => f.path);
  for (const path of ["package.json", "bin/thunderpush.js", "esm/node.js", "esm/node.d.ts"]) {
    assert.ok(paths.includes(path), `${path} is packed`);
  }
  for (const path of ["README.md", "LICENSE"]) assert.ok(paths.includes(path), path);
  assert.ok(!paths.some((p: string) => p.startsWith(".stage") || /_deno\.js$/.test(p)), paths);
  const app = `${dir}/app`;
  await Deno.mkdir(app);
  await Deno.writeTextFile(`${app}/package.json`, '{ "private": true }\n');
  const install = await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    `${dir}/${filename}`,
  ], app);
  assert.equal(install.code, 0, install.stderr);
  return app;
}

/** Lines of a child's stdout, one at a time. */
function lines(stream: ReadableStream<Uint8Array>): () => Promise<string | null> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return buffered === "" ? null : buffered;
      buffered += value;
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  };
}

Deno.test("npm pack: the installed package's `npx thunderpush` serves the API and pushes to sockjs-client", async () => {
  await ensureNpmBuild();
  const dir = await Deno.makeTempDir({ prefix: "thunderpush-pack-" });
  try {
    const app = await packAndInstall(dir);
    const library = await run("node", [
      "--input-type=module",
      "-e",
      'const m = await import("thunderpush"); console.log(typeof m.serve, typeof m.Thunderpush, ' +
      'm.VERSION, typeof globalThis.Deno); await import("thunderpush/client");',
    ], app);
    assert.equal(library.stdout, `function function ${VERSION} undefined\n`, library.stderr);

    const pidPath = `${dir}/thunderpush.pid`;
    const server = await spawnServer("env", [
      "-C",
      app,
      "npx",
      "--no-install",
      "thunderpush",
      ...listenArgs(pidPath, KEY, SECRET),
    ]);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const api = apiClient(base);
      assert.deepEqual(await api("GET", "/users/"), { status: 200, text: '{"count": 0}\n' });
      const client = new Deno.Command("node", {
        args: [FIXTURE, base, "websocket", "u", KEY, "ch", "1"],
        stdin: "null",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const next = lines(client.stdout);
      try {
        assert.equal(await next(), "open websocket");
        await eventually(async () =>
          (await api("GET", "/channels/ch/")).text === '{"users": ["u"]}\n'
        );
        assert.equal((await api("POST", "/channels/ch/", '{"x": 1}')).text, '{"count": 1}\n');
        assert.deepEqual(JSON.parse((await next())!), {
          data: { payload: '{"x": 1}', channel: "ch" },
        });
        assert.match((await next())!, /^close /);
      } finally {
        await client.status;
        while (await next() !== null) { /* drain */ }
      }
      // npx does not pass signals on to the command: signal the server named in the PID file.
      const pid = Number(await Deno.readTextFile(pidPath));
      Deno.kill(pid, "SIGTERM");
      const status = await server.child.status;
      assert.equal(status.code, 0, server.stderr());
      await assert.rejects(Deno.stat(pidPath), Deno.errors.NotFound);
    } finally {
      await server.stop("SIGKILL");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("node cli: -h, -V and usage errors print what the Deno CLI prints, with its exit codes", async () => {
  await ensureNpmBuild();
  assert.deepEqual(await node("-h"), { code: 0, stdout: HELP, stderr: "" });
  assert.deepEqual(await node("--help"), { code: 0, stdout: HELP, stderr: "" });
  assert.deepEqual(await node("-V"), { code: 0, stdout: `${VERSION}\n`, stderr: "" });
  const deno = (...args: string[]) =>
    run(Deno.execPath(), ["run", "-A", new URL("../main.ts", import.meta.url).pathname, ...args]);
  for (
    const args of [[], ["key"], ["-p", "http", "k", "s"], ["--nope", "k", "s"], ["a", "b", "c"]]
  ) {
    const result = await node(...args);
    assert.equal(result.code, 2, args.join(" "));
    assert.ok(result.stderr.startsWith(`${USAGE}\nthunderpush: error: `), result.stderr);
    assert.deepEqual(result, await deno(...args), args.join(" "));
  }
  // Deno's own server is not there on Node: a usage error, before anything starts.
  assert.deepEqual(await node("--server", "deno", "k", "s"), {
    code: 2,
    stdout: "",
    stderr: `${USAGE}\nthunderpush: error: argument --server: 'deno' is not available on this ` +
      "runtime (choose from 'node')\n",
  });
});

Deno.test("node cli: a second instance exits 1 and leaves the PID file alone; SIGTERM and SIGINT exit 0", async () => {
  await ensureNpmBuild();
  const dir = await Deno.makeTempDir({ prefix: "thunderpush-pid-" });
  const pidPath = `${dir}/thunderpush.pid`;
  const args = ["-p", "0", "-H", "127.0.0.1", "--pid-path", pidPath, KEY, SECRET];
  try {
    const first = await spawnServer("node", [NPM_BIN, ...args]);
    try {
      assert.equal(await Deno.readTextFile(pidPath), String(first.child.pid));
      const second = await node(...args);
      assert.deepEqual(second, {
        code: 1,
        stdout: "",
        stderr: `Process already running (PID file: ${pidPath}).\n`,
      });
      assert.equal(await Deno.readTextFile(pidPath), String(first.child.pid));
      const status = await first.stop("SIGTERM");
      assert.equal(status.code, 0, first.stderr());
      assert.match(first.stderr(), /INFO Starting Thunderpush server at 127\.0\.0\.1:\d+\n/);
      assert.match(first.stderr(), /INFO Shutting down \(SIGTERM\)\.\.\.\n$/);
      await assert.rejects(Deno.stat(pidPath), Deno.errors.NotFound);
    } finally {
      await first.stop("SIGKILL");
    }

    // A file left by a process that is gone (a crash) is taken over; so is one without a PID.
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    for (const stale of [String(gone.pid), "", "not a pid"]) {
      await Deno.writeTextFile(pidPath, stale);
      const next = await spawnServer("node", [NPM_BIN, ...args]);
      try {
        assert.equal(await Deno.readTextFile(pidPath), String(next.child.pid));
      } finally {
        assert.equal((await next.stop("SIGINT")).code, 0, next.stderr());
      }
      assert.match(next.stderr(), /Shutting down \(SIGINT\)/);
      await assert.rejects(Deno.stat(pidPath), Deno.errors.NotFound);
    }

    const missing = await node("--pid-path", `${dir}/no/such/dir.pid`, "-p", "0", KEY, SECRET);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ERROR Cannot open the PID file .*no\/such\/dir\.pid: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
