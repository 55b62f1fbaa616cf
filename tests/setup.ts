/**
 * Test set-up, run by `deno task test` before the tests: installs what the tests need and is
 * missing, then checks that every program the tests call is there.
 *
 * - npm packages (the real sockjs-client, the reference sockjs server, playwright-core, ...) come
 *   from package.json and deno.lock with `deno install` (deno.json has `nodeModulesDir: "auto"`,
 *   so every task installs them on demand too; this makes sure Node, which the tests also run,
 *   finds them in `node_modules/` before the first test).
 * - Debian packages are installed with apt-get when running as root; otherwise the exact command
 *   to run is printed and the set-up fails.
 *
 * @module
 */

// deno-lint-ignore-file no-console

/** A program (or file) the tests use, the Debian package that brings it, and what for. */
interface Requirement {
  readonly path: string;
  readonly pkg: string;
  readonly why: string;
}

/** Every program outside Deno that a test calls. `node` and `npm` come with the machine. */
export const REQUIREMENTS: readonly Requirement[] = [
  { path: "/usr/bin/chromium", pkg: "chromium", why: "browser tests (playwright-core)" },
  { path: "redis-server", pkg: "redis-server", why: "the Redis broker and cluster tests" },
  { path: "redis-cli", pkg: "redis-tools", why: "hung-Redis tests" },
  { path: "wrk", pkg: "wrk", why: "the API part of `deno task bench --quick`" },
  { path: "/usr/bin/python3", pkg: "python3", why: "the Prometheus text parser" },
  {
    path: "/usr/lib/python3/dist-packages/prometheus_client/parser.py",
    pkg: "python3-prometheus-client",
    why: "the Prometheus project's own parser, for the /metrics tests",
  },
  { path: "php", pkg: "php-cli", why: "the PHP signature check of docs/webhooks.md" },
  { path: "openssl", pkg: "openssl", why: "the TLS tests' self-signed certificates" },
  { path: "git", pkg: "git", why: "the fresh-clone test lists the repository's files" },
];

/** Programs that come with Node (the machine has it; Deno is run with npx otherwise). */
export const FROM_NODE: readonly string[] = ["node", "npm"];

async function run(cmd: string, args: string[]): Promise<boolean> {
  const child = new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" }).spawn();
  return (await child.status).success;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a command is on PATH, or an absolute path exists. */
async function found(path: string): Promise<boolean> {
  if (path.startsWith("/")) return await exists(path);
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && await exists(`${dir}/${path}`)) return true;
  }
  return false;
}

async function missingPackages(): Promise<string[]> {
  const missing = new Set<string>();
  for (const r of REQUIREMENTS) if (!await found(r.path)) missing.add(r.pkg);
  return [...missing];
}

async function ensureNpmPackages(): Promise<void> {
  if (!await run(Deno.execPath(), ["install", "--quiet"])) throw new Error("deno install failed");
}

async function ensureDebianPackages(): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  if (Deno.uid?.() !== 0) {
    throw new Error(
      `missing Debian packages; install them with:\n  sudo apt-get update && ` +
        `sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  console.log(`setup: installing ${missing.join(" ")} from Debian`);
  if (!await run("apt-get", ["update", "-qq"])) throw new Error("apt-get update failed");
  if (!await run("apt-get", ["install", "-y", "-qq", ...missing])) {
    throw new Error(`apt-get install ${missing.join(" ")} failed`);
  }
}

/** After the installs: every program the tests call must be there, or the set-up fails. */
async function verify(): Promise<void> {
  const absent: string[] = [];
  for (const r of REQUIREMENTS) {
    if (!await found(r.path)) absent.push(`${r.path} (Debian package ${r.pkg}; ${r.why})`);
  }
  for (const command of FROM_NODE) {
    if (!await found(command)) absent.push(`${command} (install Node.js 20)`);
  }
  for (const module of ["sockjs-client", "sockjs", "ws", "playwright-core", "typescript"]) {
    if (!await exists(`node_modules/${module}/package.json`)) {
      absent.push(`node_modules/${module} (run: deno install)`);
    }
  }
  if (absent.length) throw new Error(`still missing after set-up:\n  ${absent.join("\n  ")}`);
}

if (import.meta.main) {
  try {
    await ensureNpmPackages();
    await ensureDebianPackages();
    await verify();
  } catch (error) {
    console.error(`setup: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
