/**
 * `deno task bench --history`: the cost of channel history. The fan-out scenario (every client
 * in one channel) run side by side against `thunder-deno` without history and with
 * `--history-size 100`: server CPU per delivered message and per publish, paced and in a burst;
 * and the memory one kept message takes (bench/history_memory.ts). Writes `history.md` into the
 * output folder and prints it.
 *
 * @module
 */

import { type PhaseResult, type PushPlan, runGroup } from "./push.ts";
import { type Target, TARGETS } from "./targets.ts";

const HERE = new URL("./", import.meta.url).pathname;

/** The fan-out plan of the history comparison, for `clients` clients. */
export function historyPlan(clients: number): PushPlan {
  return {
    clients,
    channels: 1,
    perClient: 1,
    warmup: 20,
    paced: 200,
    pacedRounds: 4,
    burst: 200,
    burstConcurrency: 16,
    settleMs: 1_000,
    publishTimeoutMs: 20_000,
  };
}

/** `thunder-deno` with extra flags before its keys, under another id. */
function withFlags(base: Target, id: string, label: string, flags: string[]): Target {
  return {
    ...base,
    id,
    label,
    command: (pidPath, runtimeArgs, redisUrl) => {
      const { cmd, args } = base.command(pidPath, runtimeArgs, redisUrl);
      return { cmd, args: [...args.slice(0, -2), ...flags, ...args.slice(-2)] };
    },
  };
}

interface MemoryFigures {
  kept: number;
  payloadBytes: number;
  bytesPerMessage: number;
  overheadPerMessage: number;
}

async function measureMemory(): Promise<MemoryFigures> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", `${HERE}history_memory.ts`, "100", "1000", "100"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error("history_memory.ts failed");
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

function row(name: string, phase: PhaseResult | null): string {
  if (!phase) return `| ${name} | - | - | - | - |`;
  const perPublish = phase.serverCpuUs / Math.max(1, phase.publishes);
  return `| ${name} | ${phase.received} / ${phase.expected} | ${phase.usPerMsg.toFixed(2)} | ` +
    `${perPublish.toFixed(0)} | ${phase.p50Ms.toFixed(1)} |`;
}

/** Runs the history comparison with `clients` clients; writes `${out}/history.md`. */
export async function runHistoryBench(
  out: string,
  clients: number,
  say: (line: string) => void,
): Promise<string> {
  const off = TARGETS.find((t) => t.id === "thunder-deno")!;
  const on = withFlags(off, "thunder-deno-history", "with --history-size 100", [
    "--history-size",
    "100",
  ]);
  const plan = historyPlan(clients);
  const [a, b] = await runGroup([off, on], plan, say);
  const memory = await measureMemory();
  const lines = [
    `# History: cost on the fan-out path`,
    ``,
    `${clients} WebSocket clients in one channel; ${plan.paced} paced publishes (each waits ` +
    `until every client got the previous one), then ${plan.burst} at once ` +
    `(${plan.burstConcurrency} in flight). Both servers run side by side, their paced rounds ` +
    `in turn. Reproduce: \`deno task bench --history --sizes ${clients}\`.`,
    ``,
    `| server, phase | delivered | server CPU µs / message | server CPU µs / publish | p50 ms |`,
    `| --- | --- | --- | --- | --- |`,
    row("history off, paced", a.paced),
    row("history on, paced", b.paced),
    row("history off, burst", a.burst),
    row("history on, burst", b.burst),
    ``,
    `Memory per kept message (in-memory history, ${memory.kept} pushes of ` +
    `${memory.payloadBytes}-character payloads): ${memory.bytesPerMessage} bytes of heap, of ` +
    `which ${memory.overheadPerMessage} beyond the payload itself.`,
    ``,
  ];
  for (const r of [a, b]) {
    if (r.error || r.crashed) lines.push(`${r.target}: ${r.error ?? "crashed"}`);
  }
  const text = lines.join("\n");
  await Deno.writeTextFile(`${out}/history.md`, text);
  return text;
}
