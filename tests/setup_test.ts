/**
 * The set-up installs every program a test starts: a program started by a test but missing from
 * `REQUIREMENTS` passes on a machine where it was installed by hand and fails on a fresh one
 * (PHP did, for the docs/webhooks.md checks).
 */

import assert from "node:assert/strict";
import { FROM_NODE, REQUIREMENTS } from "./setup.ts";

/**
 * Programs every Linux machine has (`taskset`: Debian's essential util-linux; the bench runs
 * unpinned without it), or that the tests start as Deno itself.
 */
const BASE = new Set(["deno", "true", "taskset"]);

/** The `.ts` files below a folder. */
function* sources(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("setup: every program the tests start is installed by the set-up", () => {
  const programs = new Map<string, string>();
  // `new Deno.Command("name"`, and argv arrays that start with a program (`["php", file]`).
  const patterns = [/Deno\.Command\(\s*"([^"]+)"/g, /(?:=>|return)\s*\[\s*"([a-z][a-z0-9-]*)",/g];
  for (const dir of ["tests", "bench"]) {
    for (const file of sources(dir)) {
      if (file.endsWith("/setup_test.ts")) continue; // its own comments name programs
      const text = Deno.readTextFileSync(file);
      for (const pattern of patterns) {
        for (const m of text.matchAll(pattern)) programs.set(m[1], file);
      }
    }
  }
  assert.ok(programs.has("php") && programs.has("redis-server"), "the scan finds programs");
  // Programs are compared by name: `/usr/bin/python3` in a test or a requirement is `python3`.
  const known = new Set([
    ...REQUIREMENTS.map((r) => r.path.split("/").pop()),
    ...FROM_NODE,
    ...BASE,
  ]);
  const missing = [...programs]
    .filter(([name]) => !known.has(name.split("/").pop()))
    .map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(missing, []);
});
