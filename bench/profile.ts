/**
 * `deno task bench --profile`: Thunderpush for Deno under the fan-out load (10,000 clients, paced
 * and burst publishes), profiled two ways over exactly the measured phases:
 *
 * - the V8 CPU profile of the main thread, taken through the inspector (`--inspect`, the Chrome
 *   DevTools Protocol's `Profiler` domain), summarized by function and by file, self and total;
 * - `perf record` of the whole process when `perf` is installed (kernel, runtime and threads).
 *
 * It then profiles the HTTP API the same way under `wrk` (POST to a channel nobody is in).
 *
 * Writes `profile.md`, `fanout.cpuprofile` and `api.cpuprofile` (open them in Chrome DevTools)
 * to the output folder.
 *
 * @module
 */

import { FULL, QUICK } from "./config.ts";
import { commandOutput, spawnChild, stopChild } from "./proc.ts";
import { runPush } from "./push.ts";
import { fanoutTable, fmt } from "./report.ts";
import { KEY, startTarget, TARGETS } from "./targets.ts";
import { hasWrk, wrk } from "./api.ts";

/** A V8 CPU profile, as the `Profiler.stop` method returns it. */
export interface CpuProfile {
  /** The call tree. */
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  /** Start, microseconds. */
  readonly startTime: number;
  /** End, microseconds. */
  readonly endTime: number;
  /** The node of each sample. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample. */
  readonly timeDeltas: readonly number[];
}

/** Time per function or file, microseconds. */
export interface ProfileSummary {
  /** Sampled time in total, the inspector's own work left out. */
  readonly totalUs: number;
  /** Time the inspector's own work took (left out of every figure). */
  readonly artifactUs: number;
  /** Self time by `function (file:line)`. */
  readonly selfByFunction: [string, number][];
  /** Total (inclusive) time by `function (file:line)`, each counted once per stack. */
  readonly totalByFunction: [string, number][];
  /** Self time by file (`lib/...`, `ext:...`, or the pseudo-entries `(program)`, `(gc)`). */
  readonly selfByFile: [string, number][];
}

const ROOT = new URL("../", import.meta.url).href;

function fileOf(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  return url.startsWith(ROOT) ? url.slice(ROOT.length) : url;
}

/**
 * Whether a frame is the inspector watching the program rather than the program: with an
 * inspector attached, Deno reports every WebSocket frame sent to it (its DevTools network panel,
 * on as soon as the Node compatibility layer is loaded), which costs more than the send.
 */
export function isInspectorArtifact(frame: { functionName: string; url: string }): boolean {
  return frame.url.includes("inspector_network_bridge") ||
    frame.functionName === "op_inspector_emit_protocol_event" ||
    frame.functionName === "emitWebSocketFrame";
}

/** Adds up a CPU profile by function and by file, leaving out the inspector's own work. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Nodes under an inspector artifact: their samples are left out.
  const artifact = new Set<number>();
  const mark = (id: number, inside: boolean) => {
    const stack: [number, boolean][] = [[id, inside]];
    while (stack.length) {
      const [n, within] = stack.pop()!;
      const node = byId.get(n)!;
      const here = within || isInspectorArtifact(node.callFrame);
      if (here) artifact.add(n);
      for (const c of node.children ?? []) stack.push([c, here]);
    }
  };
  mark(profile.nodes[0].id, false);
  const selfByNode = new Map<number, number>();
  let artifactUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (artifact.has(profile.samples[i])) {
      artifactUs += dt;
      continue;
    }
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + dt);
  }
  const key = (id: number) => {
    const f = byId.get(id)!.callFrame;
    const file = fileOf(f.url, f.functionName);
    const name = f.functionName || "(anonymous)";
    return f.url === "" ? name : `${name} (${file}:${f.lineNumber + 1})`;
  };
  const selfFn = new Map<string, number>();
  const selfFile = new Map<string, number>();
  const totalFn = new Map<string, number>();
  let totalUs = 0;
  // Walk the tree with the set of functions on the current stack, so that recursion counts once.
  const root = profile.nodes[0];
  const stack: { id: number; onStack: Set<string> }[] = [{ id: root.id, onStack: new Set() }];
  while (stack.length > 0) {
    const { id, onStack } = stack.pop()!;
    const node = byId.get(id)!;
    const k = key(id);
    const here = new Set(onStack).add(k);
    const self = selfByNode.get(id) ?? 0;
    totalUs += self;
    if (self > 0) {
      selfFn.set(k, (selfFn.get(k) ?? 0) + self);
      const file = fileOf(node.callFrame.url, node.callFrame.functionName);
      selfFile.set(file, (selfFile.get(file) ?? 0) + self);
      for (const f of here) totalFn.set(f, (totalFn.get(f) ?? 0) + self);
    }
    for (const child of node.children ?? []) stack.push({ id: child, onStack: here });
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalUs,
    artifactUs,
    selfByFunction: sorted(selfFn),
    totalByFunction: sorted(totalFn),
    selfByFile: sorted(selfFile),
  };
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
class Inspector {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, (result: unknown) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (event) => {
      const msg = JSON.parse(String(event.data));
      if (msg.id !== undefined) this.#pending.get(msg.id)?.(msg.result ?? msg.error);
    };
  }

  static async open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`Cannot open the inspector at ${url}`));
    });
    return new Inspector(ws);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#next++;
    const { promise, resolve } = Promise.withResolvers<unknown>();
    this.#pending.set(id, resolve);
    this.#ws.send(JSON.stringify({ id, method, params }));
    return promise;
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.#ws.onclose = resolve);
    this.#ws.close();
    await closed;
  }
}

function tableOf(rows: [string, number][], total: number, limit: number): string {
  return [
    "| share | ms | where |",
    "| ---: | ---: | --- |",
    ...rows.slice(0, limit).map(([name, us]) =>
      `| ${fmt((100 * us) / total, 1)}% | ${fmt(us / 1000)} | \`${name.replace(/\|/g, "\\|")}\` |`
    ),
  ].join("\n");
}

function v8Section(profile: CpuProfile): string[] {
  const s = summarizeProfile(profile);
  return [
    `${fmt(s.totalUs / 1000)} ms sampled every 250 µs` +
    (s.artifactUs > 0
      ? ` (${fmt(s.artifactUs / 1000)} ms more went to reporting WebSocket frames to the ` +
        "inspector itself, which Deno does whenever one is attached: left out)"
      : "") +
    `. \`(native)\` entries are Deno ops (Rust: ` +
    "socket writes, HTTP) called from JavaScript, `(program)` native time V8 cannot attribute, " +
    "`(garbage collector)` GC on the main thread, `(idle)` waiting for the event loop.",
    "",
    "Self time by file:",
    "",
    tableOf(s.selfByFile, s.totalUs, 20),
    "",
    "Self time by function:",
    "",
    tableOf(s.selfByFunction, s.totalUs, 30),
    "",
    "Total time (self and callees) by function:",
    "",
    tableOf(s.totalByFunction.filter(([k]) => !k.startsWith("(")), s.totalUs, 30),
    "",
  ];
}

async function perfSection(perfData: string): Promise<string[]> {
  const report = (sort: string) =>
    commandOutput("sh", [
      "-c",
      `perf report -i ${perfData} --stdio --no-children --sort ${sort} -g none ` +
      "--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40",
    ]);
  return [
    "`perf record -F 499 -g -p <pid>` over the same phases: the whole process, every thread, the " +
    "kernel included (`v8:ProfEvntProc` is the V8 profiler's own thread; Deno's binary is " +
    "stripped, so its Rust code shows as `deno`).",
    "",
    "By thread and shared object:",
    "",
    "```",
    await report("comm,dso"),
    "```",
    "",
    "By symbol:",
    "",
    "```",
    await report("sym"),
    "```",
    "",
  ];
}

const DEBUGGER = /Debugger listening on (ws:\/\/\S+)/;

/** Starts the V8 profiler (and perf) on a server, and stops them. */
class Profiling {
  #inspector: Inspector | null = null;
  #perf: Deno.ChildProcess | null = null;
  readonly #perfData: string | null;

  constructor(perfData: string | null) {
    this.#perfData = perfData;
  }

  async start(inspectorUrl: string, pid: number): Promise<void> {
    this.#inspector = await Inspector.open(inspectorUrl);
    await this.#inspector.call("Profiler.enable");
    await this.#inspector.call("Profiler.setSamplingInterval", { interval: 250 });
    await this.#inspector.call("Profiler.start");
    if (this.#perfData) {
      this.#perf = spawnChild(
        "perf",
        ["record", "-F", "499", "-g", "-p", String(pid), "-o", this.#perfData, "-q"],
        { stdout: "null", stderr: "null" },
      );
    }
  }

  async stop(): Promise<{ profile: CpuProfile; perf: boolean }> {
    if (this.#perf) {
      this.#perf.kill("SIGINT");
      await stopChild(this.#perf, 10_000);
    }
    const stopped = await this.#inspector!.call("Profiler.stop") as { profile: CpuProfile };
    await this.#inspector!.close();
    return { profile: stopped.profile, perf: this.#perf !== null };
  }
}

/** Runs the profiles and writes `profile.md`. */
export async function runProfile(
  out: string,
  quick: boolean,
  say: (line: string) => void,
): Promise<void> {
  const target = TARGETS.find((t) => t.id === "thunder-deno")!;
  const config = quick ? QUICK : FULL;
  const clients = quick ? 300 : 10_000;
  const plan = { ...config.fanout, clients, paced: config.fanout.paced * 2 };
  const havePerf = (await commandOutput("sh", ["-c", "command -v perf"])) !== "";
  const lines = [
    "# Profile of Thunderpush for Deno",
    "",
    `\`deno task bench --profile${quick ? " --quick" : ""}\`, ${new Date().toISOString()}. ` +
    "The server runs with `--inspect`; the V8 sampling profiler is started over the inspector " +
    "for the measured phases only. Profiling costs CPU: the figures here are not the bench's.",
    "",
  ];

  // 1. Fan-out.
  say(`profile: fan-out to ${clients} clients${havePerf ? ", with perf" : ""}`);
  let inspectorUrl = "";
  const fanout = new Profiling(havePerf ? `${out}/perf_fanout.data` : null);
  let fanoutProfile: { profile: CpuProfile; perf: boolean } | null = null;
  const result = await runPush(target, plan, say, {
    runtimeArgs: ["--inspect=127.0.0.1:0"],
    onServerLine: (line) => {
      inspectorUrl ||= DEBUGGER.exec(line)?.[1] ?? "";
    },
    beforeMeasure: (pid) => fanout.start(inspectorUrl, pid),
    afterMeasure: async () => {
      fanoutProfile = await fanout.stop();
    },
  });
  lines.push(
    "## Fan-out",
    "",
    `${clients.toLocaleString("en-US")} clients in one channel, ${plan.paced} paced publishes ` +
      `and a burst of ${plan.burst}.`,
    "",
    fanoutTable([result]),
    "",
  );
  if (fanoutProfile) {
    const { profile, perf } = fanoutProfile as { profile: CpuProfile; perf: boolean };
    await Deno.writeTextFile(`${out}/fanout.cpuprofile`, JSON.stringify(profile));
    lines.push("### V8 CPU profile (main thread)", "", ...v8Section(profile));
    if (perf) lines.push("### perf", "", ...await perfSection(`${out}/perf_fanout.data`));
  }

  // 2. The API under wrk.
  if (await hasWrk()) {
    const seconds = quick ? 1 : 5;
    say(`profile: wrk POST /channels/x/ for ${seconds} s`);
    let url = "";
    const server = await startTarget(target, {
      runtimeArgs: ["--inspect=127.0.0.1:0"],
      onStderr: (line) => {
        url ||= DEBUGGER.exec(line)?.[1] ?? "";
      },
    });
    try {
      const api = `http://127.0.0.1:${server.port}/api/1.0.0/${KEY}/channels/x/`;
      await wrk(api, config.api, 1, true);
      const profiling = new Profiling(havePerf ? `${out}/perf_api.data` : null);
      await profiling.start(url, server.pid);
      const figures = await wrk(api, config.api, seconds, true);
      const { profile, perf } = await profiling.stop();
      await Deno.writeTextFile(`${out}/api.cpuprofile`, JSON.stringify(profile));
      lines.push(
        "## API: POST /channels/x/ under wrk",
        "",
        `\`wrk -t1 -c${config.api.connections} -d${seconds}s\`, a channel nobody is in: ` +
          `${fmt(figures.rps)} req/s under the profiler.`,
        "",
        "### V8 CPU profile (main thread)",
        "",
        ...v8Section(profile),
      );
      if (perf) lines.push("### perf", "", ...await perfSection(`${out}/perf_api.data`));
    } finally {
      await server.stop();
    }
  }
  await Deno.writeTextFile(`${out}/profile.md`, lines.join("\n"));
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", `${out}/profile.md`],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
  Deno.stdout.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
  say(`written: ${out}/profile.md`);
}
