/**
 * The PID file on Node, which has no `flock`: the file itself is the lock, created by a hard link,
 * taken over only when the process it names is gone (see docs/runtimes.md, "The PID file on Node").
 *
 * @module
 */

import { link, open, readFile, stat, unlink, writeFile } from "node:fs/promises";
import process from "node:process";
import type { PidFile } from "./run.ts";

const TAKEOVER_STALE_MS = 10_000;

function code(error: unknown): string | undefined {
  return (error as { code?: string })?.code;
}

/** The PID written in the file at `path`; null when it is missing or holds no PID. */
async function readPid(path: string): Promise<number | null> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    return /^[0-9]+$/.test(text) ? Number(text) : null;
  } catch (error) {
    if (code(error) === "ENOENT") return null;
    throw error;
  }
}

/** Whether a process with this PID runs (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === "EPERM"; // it exists, owned by another user
  }
}

/** Creates `path` holding `text`, atomically; false when it exists. */
async function createComplete(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (code(error) === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Removes `path` if it still names `stalePid`, holding the takeover lock meanwhile. */
async function removeStale(path: string, stalePid: number | null): Promise<void> {
  const lock = `${path}.takeover`;
  let handle;
  try {
    handle = await open(lock, "wx");
  } catch (error) {
    if (code(error) !== "EEXIST") throw error;
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MS) await unlink(lock).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    return;
  }
  try {
    if ((await readPid(path)) === stalePid) await unlink(path).catch(() => {});
  } finally {
    await handle.close();
    await unlink(lock).catch(() => {});
  }
}

/**
 * Takes the PID file at `path`. Returns null when a running process holds it; the file is not
 * touched then (the running process keeps its PID in it).
 *
 * @throws when the file cannot be created (a missing directory, no permission).
 */
export async function acquirePidFile(path: string): Promise<PidFile | null> {
  const pid = String(process.pid);
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await createComplete(path, pid)) {
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          if ((await readPid(path).catch(() => null)) === process.pid) {
            await unlink(path).catch(() => {});
          }
        },
      };
    }
    const owner = await readPid(path);
    if (owner !== null && isRunning(owner)) return null;
    await removeStale(path, owner);
  }
  throw new Error("the file keeps changing; is another instance starting?");
}
