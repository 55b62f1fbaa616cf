/**
 * What the bench reads from Linux's `/proc` about a process, and child processes that are always
 * ended: every child the bench starts is registered here and killed on exit, whatever happens.
 *
 * @module
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux). */
export const CLK_TCK = 100;

/**
 * CPU time a process used so far (user + system, all its threads, dead ones included), in
 * microseconds, from `utime` + `stime` of `/proc/<pid>/stat`: 10 ms resolution (clock ticks).
 *
 * @example
 * ```ts ignore
 * import { statCpuMicros } from "./proc.ts";
 * statCpuMicros(Deno.pid); // e.g. 120000
 * ```
 */
export function statCpuMicros(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * (1_000_000 / CLK_TCK);
}

/**
 * CPU time a process used so far, in microseconds with nanosecond resolution: the run time of
 * each of its live threads (`/proc/<pid>/task/<tid>/schedstat`, first field) added up. It
 * agrees with {@linkcode statCpuMicros} (which counts the same time in 10 ms ticks, dead threads
 * included) to within a tick for the servers measured here, whose threads live as long as they
 * do, and it resolves the small totals of the quick run. Falls back to the ticks.
 */
export function cpuMicros(pid: number): number {
  let ns = 0;
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(
          Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0],
        );
      } catch {
        // the thread ended between listing and reading
      }
    }
  } catch {
    return statCpuMicros(pid);
  }
  return ns > 0 ? ns / 1000 : statCpuMicros(pid);
}

/** Resident set size of a process, in KiB (`VmRSS` of `/proc/<pid>/status`). */
export function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`Cannot read VmRSS of process ${pid}`);
  return Number(match[1]);
}

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = Deno.readTextFileSync("/proc/loadavg").split(" ").map(Number);
  return [a, b, c];
}

const children = new Set<Deno.ChildProcess>();

/** Starts a child process that is killed when the bench exits, however it exits. */
export function spawnChild(
  command: string,
  args: string[],
  options: Omit<Deno.CommandOptions, "args"> = {},
): Deno.ChildProcess {
  const child = new Deno.Command(command, { args, ...options }).spawn();
  children.add(child);
  child.status.finally(() => children.delete(child));
  return child;
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves once the child is gone. */
export async function stopChild(child: Deno.ChildProcess, graceMs = 3_000): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      resolve();
    }, graceMs);
  });
  await Promise.race([child.status, killed]);
  clearTimeout(timer);
  await child.status;
}

/** Kills every child still running (SIGKILL). Called on exit and on signals. */
export function killAllChildren(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

/** Runs a command to completion and returns its trimmed stdout ("" when it cannot run). */
export async function commandOutput(command: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "null" })
      .output();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "";
  }
}

/**
 * Pins every thread of process `pid` to one CPU (`taskset`), so that a load generator on another
 * CPU does not share its core: CPU per request then varies far less from round to round. False
 * when it cannot (one CPU, or no `taskset`).
 */
export async function pinToCpu(pid: number, cpu: number): Promise<boolean> {
  if (navigator.hardwareConcurrency < 2) return false;
  try {
    const args = ["-a", "-p", "-c", String(cpu), String(pid)];
    const out = await new Deno.Command("taskset", { args, stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads a stream as lines and hands each to `onLine`; resolves when the stream ends. Used for the
 * servers' and workers' stdout and stderr.
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered !== "") onLine(buffered);
}
