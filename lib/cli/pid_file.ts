/**
 * The PID file: holds the server's PID while it runs; a second instance on the same file exits 1
 * and never rewrites it. Deno locks it with `flock` (`pid_file_deno.ts`), Node creates it with a
 * hard link (`pid_file_node.ts`).
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
