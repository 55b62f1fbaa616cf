/**
 * The PID file on Deno: locked first, then truncated and written, removed on shutdown.
 *
 * @module
 */

import type { PidFile } from "./pid_file.ts";

/**
 * Takes the PID file at `path`. Returns null when another process holds its lock; the file is
 * not touched then (the running process keeps its PID in it).
 */
export async function acquirePidFile(path: string): Promise<PidFile | null> {
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o644 });
  if (!(await file.tryLock(true))) {
    file.close();
    return null;
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(String(Deno.pid)));
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await Deno.remove(path).catch(() => {});
      file.close();
    },
  };
}
