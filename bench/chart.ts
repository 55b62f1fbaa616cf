/**
 * The growth chart: server CPU per delivered message and memory per idle client against the
 * number of clients, one line per server, as a self-contained SVG.
 *
 * @module
 */

import type { PushResult } from "./push.ts";

const COLORS: Readonly<Record<string, string>> = {
  "bare-deno": "#1f77b4",
  "bare-node": "#2ca02c",
  "sockjs-node": "#9467bd",
  "thunder-deno": "#d62728",
  "thunder-cluster": "#8c564b",
  "thunder-node": "#ff7f0e",
  "thunder-deno-node": "#e377c2",
  "bare-deno-ws": "#e377c2",
  "thunder-cluster-45k": "#8c564b",
  "redis-server": "#7f7f7f",
  "node 1": "#ff7f0e",
  "node 2": "#2ca02c",
  "node 3": "#1f77b4",
};

interface Series {
  readonly name: string;
  readonly points: readonly [number, number][];
}

const W = 460;
const H = 300;
const M = { left: 60, right: 30, top: 36, bottom: 44 };

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function panel(
  x0: number,
  title: string,
  yLabel: string,
  series: Series[],
  xs: number[],
  xLabel = "clients",
): string {
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const px = (x: number) => x0 + M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number) => M.top + (1 - y / yMax) * (H - M.top - M.bottom);
  const out: string[] = [];
  out.push(
    `<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">${
      escapeXml(title)
    }</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    out.push(
      `<line x1="${px(0)}" y1="${py(y)}" x2="${px(xMax)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${px(0) - 6}" y="${py(y) + 4}" text-anchor="end">${
        Number(y.toPrecision(3))
      }</text>`,
    );
  }
  for (const x of xs) {
    out.push(
      `<line x1="${px(x)}" y1="${py(0)}" x2="${px(x)}" y2="${py(0) + 4}" stroke="#333"/>`,
      `<text x="${px(x)}" y="${py(0) + 16}" text-anchor="middle">${
        x.toLocaleString("en-US")
      }</text>`,
    );
  }
  out.push(
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" stroke="#333"/>`,
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" stroke="#333"/>`,
    `<text x="${x0 + M.left + (W - M.left - M.right) / 2}" y="${H - 8}" text-anchor="middle">` +
      `${escapeXml(xLabel)}</text>`,
    `<text transform="translate(${x0 + 14},${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" ` +
      `text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  for (const s of series) {
    const color = COLORS[s.name] ?? "#555";
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length === 0) continue;
    const dash = s.name.startsWith("thunder") ? "" : ` stroke-dasharray="5,3"`;
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${
        pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ")
      }"/>`,
      ...pts.map(([x, y]) =>
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`
      ),
    );
  }
  return out.join("\n");
}

/**
 * Draws CPU µs per delivered message (paced) and KB per idle client against client count.
 *
 * @example
 * ```ts ignore
 * import { growthSvg } from "./chart.ts";
 * Deno.writeTextFileSync("growth.svg", growthSvg(results.fanout));
 * ```
 */
export function growthSvg(results: readonly PushResult[]): string {
  const xs = [...new Set(results.map((r) => r.clients))].sort((a, b) => a - b);
  const names = [...new Set(results.map((r) => r.target))];
  const series = (value: (r: PushResult) => number): Series[] =>
    names.map((name) => ({
      name,
      points: results
        .filter((r) => r.target === name)
        .sort((a, b) => a.clients - b.clients)
        .map((r) => [r.clients, value(r)] as [number, number]),
    }));
  const cpu = series((r) => r.paced?.usPerMsg ?? NaN);
  const mem = series((r) => r.bytesPerClient / 1000);
  return svg(
    [
      panel(0, "Server CPU per delivered message (paced)", "µs per message", cpu, xs),
      panel(W, "Server memory per idle subscribed client", "KB per client (RSS)", mem, xs),
    ],
    names,
  );
}

/** Six legend entries a line. */
const LEGEND_PER_LINE = 6;

/** Two panels side by side and a legend of `names` under them. */
function svg(panels: string[], names: string[]): string {
  const lines = Math.ceil(names.length / LEGEND_PER_LINE);
  const height = H + 8 + 16 * lines;
  const legend = names.map((name, i) => {
    const x = 70 + (i % LEGEND_PER_LINE) * 145;
    const y = H + 6 + 16 * Math.floor(i / LEGEND_PER_LINE);
    const color = COLORS[name] ?? "#555";
    const dash = name.startsWith("thunder") ? "" : ` stroke-dasharray="5,3"`;
    return `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${color}" ` +
      `stroke-width="2"${dash}/><text x="${x + 30}" y="${y + 4}">${escapeXml(name)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" ` +
    `viewBox="0 0 ${2 * W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}

/**
 * Draws the cluster-growth run against its node count: the nodes' CPU per delivered message
 * (each node, and all of them together), and Redis's CPU per publish.
 *
 * @example
 * ```ts ignore
 * import { clusterGrowthSvg } from "./chart.ts";
 * Deno.writeTextFileSync("cluster.svg", clusterGrowthSvg(results.clusterGrowth));
 * ```
 */
export function clusterGrowthSvg(rows: readonly PushResult[]): string {
  const sorted = [...rows].sort((a, b) => (a.nodes ?? 1) - (b.nodes ?? 1));
  const xs = sorted.map((r) => r.nodes ?? 1);
  const id = sorted[0]?.target ?? "thunder-cluster-45k";
  const most = Math.max(0, ...sorted.map((r) => r.paced?.nodes?.length ?? 0));
  const nodeSeries: Series[] = Array.from({ length: most }, (_, i) => ({
    name: `node ${i + 1}`,
    points: sorted.flatMap((r) => {
      const node = r.paced?.nodes?.[i];
      return node ? [[r.nodes ?? 1, node.usPerMsg] as [number, number]] : [];
    }),
  }));
  const cpu: Series[] = [
    { name: id, points: sorted.map((r) => [r.nodes ?? 1, r.paced?.usPerMsg ?? NaN]) },
    ...nodeSeries,
  ];
  const redis: Series[] = [{
    name: "redis-server",
    points: sorted.map((r) => [r.nodes ?? 1, r.paced?.redisUsPerPublish ?? NaN]),
  }];
  return svg(
    [
      panel(0, "Nodes' CPU per delivered message (paced)", "µs per message", cpu, xs, "nodes"),
      panel(W, "Redis CPU per publish (paced)", "µs per publish", redis, xs, "nodes"),
    ],
    [id, ...nodeSeries.map((s) => s.name), "redis-server"],
  );
}
