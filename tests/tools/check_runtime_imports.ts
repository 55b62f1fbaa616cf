/**
 * Keeps the core runtime-neutral: only files under `lib/adapters/` and `lib/cli/` may use `Deno.*` or import
 * `node:*` modules. Run by `deno task lint`.
 *
 * @module
 */

const offenders: string[] = [];

async function walk(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (path !== "lib/adapters" && path !== "lib/cli") await walk(path);
    } else if (path.endsWith(".ts")) {
      const text = await Deno.readTextFile(path);
      text.split("\n").forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "");
        if (/\bDeno\.|["']node:/.test(code) && !/^\s*\*/.test(line)) {
          offenders.push(`${path}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
}

await walk("lib");
await walk("client").catch(() => {});
if (offenders.length > 0) {
  // deno-lint-ignore no-console
  console.error(
    "Only lib/adapters/ and lib/cli/ may touch Deno.* or node:* modules:\n" + offenders.join("\n"),
  );
  Deno.exit(1);
}
