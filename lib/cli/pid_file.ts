/**
 * The PID file: taken before the server starts, holding the server's PID while it runs, removed
 * on shutdown. A second instance pointed at the same file exits with status 1 and never truncates
 * or rewrites the running instance's file.
 *
 * - Deno (`pid_file_deno.ts`): the file is opened and locked with `flock`; only the holder of the
 *   lock truncates it and writes its PID. The kernel drops the lock when the process dies, so a
 *   file left by a crash is simply taken over.
 * - Node (`pid_file_node.ts`) has no `flock`: the file is created atomically and complete (written
 *   under a temporary name, then hard-linked to the path, which fails if it exists). A file that
 *   exists names its owner; it is taken over only when that process is gone.
 *
 * @module
 */

/** A held PID file. */
export interface PidFile {
  /** Removes the file (and lets it go). Safe to call twice. */
  release(): Promise<void>;
}

/** Takes the PID file at a path: null when another running instance holds it. */
export type AcquirePidFile = (path: string) => Promise<PidFile | null>;
