/**
 * Test set-up, run by `deno task test` before the tests: installs what the tests need and is
 * missing. npm packages (the real sockjs-client, the reference sockjs server, ...) come from
 * package-lock.json with `npm ci`. Debian packages are installed with apt-get when running as
 * root; otherwise the exact command to run is printed and the set-up fails.
 *
 * @module
 */

// deno-lint-ignore-file no-console

const DEBIAN_PACKAGES: Record<string, string> = {
  // command (or absolute path): Debian package
  "/usr/bin/chromium": "chromium",
  "redis-server": "redis-server",
  // The Prometheus project's own text-format parser, for the /metrics tests.
  "/usr/lib/python3/dist-packages/prometheus_client/parser.py": "python3-prometheus-client",
};

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

async function which(command: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && await exists(`${dir}/${command}`)) return true;
  }
  return false;
}

async function ensureNpmPackages(): Promise<void> {
  const lock = await Deno.readTextFile("package-lock.json");
  const stamp = "node_modules/.setup-lock-copy.json";
  const installed = await Deno.readTextFile(stamp).catch(() => "");
  if (installed === lock) return;
  console.log("setup: installing npm packages (npm ci)");
  if (!await run("npm", ["ci", "--no-audit", "--no-fund"])) {
    throw new Error("npm ci failed");
  }
  await Deno.writeTextFile(stamp, lock);
}

async function ensureDebianPackages(): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(DEBIAN_PACKAGES)) {
    if (!await which(command) && !await exists(command)) missing.push(pkg);
  }
  if (missing.length === 0) return;
  const isRoot = Deno.uid?.() === 0;
  if (!isRoot) {
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

try {
  await ensureNpmPackages();
  await ensureDebianPackages();
} catch (error) {
  console.error(`setup: ${(error as Error).message}`);
  Deno.exit(1);
}
