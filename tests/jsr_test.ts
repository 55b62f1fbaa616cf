/**
 * `deno run -A jsr:@thunder/server KEY SECRET`, and with `--server node`, proven without reaching
 * JSR: the files `deno publish --dry-run` would upload are laid out as the registry lays out a
 * package, served on loopback, and Deno is pointed at them with `JSR_URL` (see
 * shared/spec/jsr-on-loopback.md). `--server node` loads `ws` from the npm registry.
 */

import assert from "node:assert/strict";
import { apiClient, KEY, listenArgs, SECRET, spawnServer } from "./helpers/target.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

let published: Promise<string[]> | undefined;

/** The files `deno publish --dry-run` would upload, relative to the root (`/main.ts`, ...). */
function publishedFiles(): Promise<string[]> {
  return published ??= dryRun();
}

async function dryRun(): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = decoder.decode(stdout) + decoder.decode(stderr);
  assert.equal(code, 0, text);
  assert.match(text, /Success Dry run complete/);
  const files = [...text.matchAll(/^\s+file:\/\/(\S+) \(/gm)].map((m) => m[1]);
  assert.ok(files.length > 0, text);
  return files.map((path) => {
    assert.ok(path.startsWith(ROOT + "/"), path);
    return path.slice(ROOT.length);
  }).sort();
}

/** The project's own modules `main.ts` loads, relative to the root. */
async function mainGraph(): Promise<string[]> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdin: "null",
  }).output();
  assert.equal(code, 0);
  const info = JSON.parse(decoder.decode(stdout)) as { modules: { specifier: string }[] };
  return info.modules
    .map((m) => m.specifier)
    .filter((s) => s.startsWith("file://"))
    .map((s) => new URL(s).pathname)
    // npm packages' types are read from node_modules here; on JSR they come from npm.
    .filter((path) => path.startsWith(ROOT + "/") && !path.includes("/node_modules/"))
    .map((path) => path.slice(ROOT.length))
    .sort();
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Lays out `files` as JSR serves version `version` of `@scope/name`, in `dir`. */
async function layOutRegistry(dir: string, files: string[]): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const [scope, name] = (config.name as string).slice(1).split("/");
  const base = `${dir}/@${scope}/${name}`;
  const manifest: Record<string, { size: number; checksum: string }> = {};
  for (const file of files) {
    const bytes = await Deno.readFile(ROOT + file);
    manifest[file] = { size: bytes.length, checksum: `sha256-${await sha256(bytes)}` };
    const target = `${base}/${config.version}${file}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(target, bytes);
  }
  await Deno.writeTextFile(
    `${base}/meta.json`,
    JSON.stringify({ scope, name, latest: config.version, versions: { [config.version]: {} } }),
  );
  await Deno.writeTextFile(
    `${base}/${config.version}_meta.json`,
    JSON.stringify({ manifest, exports: config.exports }),
  );
}

const CONTENT_TYPES: Record<string, string> = {
  ts: "application/typescript",
  js: "application/javascript",
  json: "application/json",
};

/** Serves a folder on 127.0.0.1 the way the registry serves files. */
function serveFolder(dir: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("Bad path", { status: 400 });
    try {
      const body = await Deno.readFile(dir + path);
      const type = CONTENT_TYPES[path.slice(path.lastIndexOf(".") + 1)] ?? "text/plain";
      return new Response(body, { headers: { "Content-Type": type } });
    } catch {
      return new Response("Not found", { status: 404 });
    }
  });
}

Deno.test("jsr: `deno run -A jsr:@thunder/server` starts the server from the published files", async () => {
  const files = await publishedFiles();
  const dir = await Deno.makeTempDir({ prefix: "thunderpush-jsr-" });
  const registry = serveFolder(`${dir}/registry`);
  try {
    await layOutRegistry(`${dir}/registry`, files);
    await Deno.mkdir(`${dir}/cwd`);
    const pidPath = `${dir}/thunderpush.pid`;
    // Deno's server, then the Node adapter inside Deno (it loads npm:ws from the npm registry).
    for (const flags of [[], ["--server", "node"]]) {
      const server = await spawnServer(
        "env",
        [
          "-C",
          `${dir}/cwd`, // away from this project's deno.json, package.json and node_modules
          `JSR_URL=http://127.0.0.1:${registry.addr.port}/`,
          `DENO_DIR=${dir}/deno_dir`,
          "NO_COLOR=1",
          Deno.execPath(),
          "run",
          "-A",
          ...(flags.length ? [] : ["--reload"]),
          "jsr:@thunder/server",
          ...listenArgs(pidPath, ...flags, KEY, SECRET),
        ],
        {},
        { startTimeoutMs: 60_000 },
      );
      try {
        const api = apiClient(`http://127.0.0.1:${server.port}`);
        assert.deepEqual(await api("GET", "/users/"), { status: 200, text: '{"count": 0}\n' });
        assert.deepEqual(await api("POST", "/channels/a/", "1"), {
          status: 200,
          text: '{"count": 0}\n',
        });
        if (!flags.length) {
          assert.match(
            server.stderr(),
            /Download http:\/\/127\.0\.0\.1:\d+\/@thunder\/server\/meta\.json/,
          );
        }
      } finally {
        assert.equal((await server.stop("SIGTERM")).code, 0, server.stderr());
      }
      await assert.rejects(Deno.stat(pidPath), Deno.errors.NotFound);
    }
  } finally {
    await registry.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jsr: every module main.ts loads is published (the Node adapter too), and not the Node CLI", async () => {
  const files = await publishedFiles();
  for (const module of await mainGraph()) {
    assert.ok(files.includes(module), `${module} is published`);
  }
  for (const file of ["/deno.json", "/README.md", "/LICENSE"]) {
    assert.ok(files.includes(file), file);
  }
  // `--server node` imports the Node adapter at run time: it must be published.
  for (const file of ["/lib/adapters/serve_node.ts", "/lib/adapters/node_websocket.ts"]) {
    assert.ok(files.includes(file), `${file} is published (needed by --server node)`);
  }
  // The Node CLI's own entry and PID file belong to the npm package (JSR's entry is Deno's CLI).
  for (const file of ["/lib/cli/cli_node.ts", "/lib/cli/pid_file_node.ts"]) {
    assert.ok(!files.includes(file), `${file} is not published`);
  }
});
