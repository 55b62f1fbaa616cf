/**
 * Keeps the layers of `lib/` apart: reads the relative imports of every file under `lib/`
 * (`import type` and `export ... from` too, through the TypeScript compiler's own import scanner)
 * and fails on any import cycle and on any import that LAYERS does not allow, such as the hub
 * importing from `sockjs/`. Run by `deno task lint`.
 *
 * @module
 */

import ts from "typescript";

/** A file's layer: its folder under `lib/`, or its name without `.ts` for a file in `lib/`. */
export function layerOf(path: string): string {
  const rest = path.replace(/^lib\//, "");
  const slash = rest.indexOf("/");
  return slash === -1 ? rest.replace(/\.ts$/, "") : rest.slice(0, slash);
}

/** Leaf modules: they import nothing of `lib/`, and any layer may import them. */
const LEAVES = ["json", "log", "version"];

/**
 * Which layers each layer may import, besides itself and the leaves; top to bottom. `cli` is the
 * top and may import anything; `adapters` (the only Deno.* and node:* code) serve the core's
 * handler and know only its contracts.
 */
export const LAYERS: Readonly<Record<string, readonly string[] | "any">> = {
  cli: "any",
  adapters: ["http"],
  server: [
    "api",
    "sockjs",
    "protocol",
    "broker",
    "history",
    "hub",
    "http",
    "metrics",
    "assets",
    "auth",
    "stats",
    "webhooks",
  ],
  metrics: [],
  assets: [],
  api: ["broker", "history", "hub", "http"],
  stats: ["broker", "hub"],
  webhooks: ["broker", "hub"],
  protocol: ["history", "hub", "sockjs", "auth"],
  auth: [],
  broker: ["history", "hub"],
  history: ["hub"],
  sockjs: ["http"],
  http: [],
  hub: [],
  json: [],
  log: [],
  version: [],
};

/** Why an import from `from` to `to` breaks the rules, or null when it is allowed. */
export function ruleBroken(from: string, to: string): string | null {
  const source = layerOf(from);
  const target = layerOf(to);
  const allowed = LAYERS[source];
  if (allowed === undefined || allowed === "any" || source === target) return null;
  if (allowed.includes(target) || (LEAVES.includes(target) && !LEAVES.includes(source))) {
    return null;
  }
  return `${from} -> ${to} (${source} may not import ${target})`;
}

/** The import cycles of a graph (file -> files it imports), each as a closed path of files. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components; each component of two or more files (or a file
  // importing itself) holds a cycle, of which one is reported.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component = new Set<string>();
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.add(member);
    } while (member !== file);
    if (component.size > 1 || (graph.get(file) ?? []).includes(file)) {
      cycles.push(cycleThrough(file, component, graph));
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** One cycle from `start` back to it, within a strongly connected component. */
function cycleThrough(
  start: string,
  component: ReadonlySet<string>,
  graph: ReadonlyMap<string, readonly string[]>,
): string[] {
  // Breadth-first from start's successors back to start: the shortest such cycle.
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = parent.get(at)!) path.unshift(at);
        path.unshift(start);
        return path;
      }
      if (!parent.has(next)) {
        parent.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** The cycles of LAYERS itself: allowed arrows must run one way, or a layer cycle could form. */
export function layerCycles(): string[][] {
  const layers = new Map<string, string[]>();
  for (const [layer, allowed] of Object.entries(LAYERS)) {
    const leaves = LEAVES.includes(layer) ? [] : LEAVES;
    layers.set(layer, allowed === "any" ? [] : [...allowed, ...leaves]);
  }
  return cyclesOf(layers);
}

/** Every problem of a graph of files under `lib/`: its cycles, then its forbidden imports. */
export function checkGraph(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const problems = layerCycles().map((cycle) => `cycle in LAYERS: ${cycle.join(" -> ")}`);
  problems.push(...cyclesOf(graph).map((cycle) => `cycle: ${cycle.join(" -> ")}`));
  for (const [from, targets] of graph) {
    if (LAYERS[layerOf(from)] === undefined) {
      problems.push(`unplaced: ${from} is in no layer (add "${layerOf(from)}" to LAYERS)`);
    }
    for (const to of new Set(targets)) {
      const broken = ruleBroken(from, to);
      if (broken !== null) problems.push(`forbidden import: ${broken}`);
    }
  }
  return [...new Set(problems)];
}

/** The relative imports of a source file, as paths from the repository root. */
export function importsOf(path: string, source: string): string[] {
  const dir = path.slice(0, path.lastIndexOf("/") + 1);
  return ts.preProcessFile(source, true, true).importedFiles
    .map((file) => file.fileName)
    .filter((name) => name.startsWith("./") || name.startsWith("../"))
    .map((name) => new URL(name, `file:///${dir}`).pathname.slice(1));
}

/** Reads the import graph of every `.ts` file under `dir`, imports outside it left out. */
export async function readGraph(dir = "lib"): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const walk = async (at: string): Promise<void> => {
    for await (const entry of Deno.readDir(at)) {
      const path = `${at}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (path.endsWith(".ts")) {
        graph.set(path, importsOf(path, await Deno.readTextFile(path)));
      }
    }
  };
  await walk(dir);
  for (const [file, targets] of graph) {
    graph.set(file, targets.filter((to) => to.startsWith(`${dir}/`)));
  }
  return graph;
}

if (import.meta.main) {
  const problems = checkGraph(await readGraph("lib"));
  if (problems.length > 0) {
    // deno-lint-ignore no-console
    console.error(
      "The layers of lib/ are broken (see LAYERS in this file):\n" + problems.join("\n"),
    );
    Deno.exit(1);
  }
}
