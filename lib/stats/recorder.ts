/**
 * The recent history of each application on this node (connections, publish and delivery
 * counters), sampled while someone reads the stats or always when pinned (a cluster node).
 *
 * @module
 */

import type { App, Hub } from "../hub/hub.ts";
import type { HistoryPoint, NodeReport } from "../broker/stats.ts";

/** Milliseconds between samples. */
const STEP_MS = 2_000;
/** Samples kept per application: five minutes at `STEP_MS`. */
const HISTORY_POINTS = 150;
/** The window the current rates are measured over, in milliseconds. */
const RATE_WINDOW_MS = 10_000;
/** Sampling stops this long after the last read (unless pinned). */
const IDLE_MS = 10 * 60_000;

/** An application's figures at one time: connections and the totals of its counters. */
interface Sample {
  readonly time: number;
  readonly connections: number;
  readonly published: number;
  readonly delivered: number;
}

/** Settings of a recorder. */
export interface RecorderOptions {
  /** This node's id (default `"local"`). */
  readonly nodeId?: string;
  /** Milliseconds between samples (default 2,000). */
  readonly step?: number;
  /** Called for every application after each sample (a cluster node reports it). */
  readonly onSample?: (app: App, report: NodeReport, point: HistoryPoint) => void;
}

/** Samples the applications of a hub and answers their rates and history. */
export class StatsRecorder {
  /** This node's id. */
  readonly nodeId: string;
  /** Milliseconds between samples. */
  readonly step: number;
  /** When the recorder was made (Unix ms): the node's start. */
  readonly started: number = Date.now();
  #hub: Hub;
  #samples = new Map<App, Sample[]>();
  #onSample: RecorderOptions["onSample"];
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastRead = 0;
  #pinned = false;
  #closed = false;

  /** A recorder for the applications of `hub`; nothing runs until `touch` or `pin`. */
  constructor(hub: Hub, options: RecorderOptions = {}) {
    this.#hub = hub;
    this.nodeId = options.nodeId ?? "local";
    this.step = options.step ?? STEP_MS;
    this.#onSample = options.onSample;
  }

  /** Someone reads the stats: sampling runs (from now, if it did not) for `IDLE_MS` more. */
  touch(now: number = Date.now()): void {
    this.#lastRead = now;
    this.#run(now);
  }

  /** Samples for as long as the recorder is open (a cluster node). */
  pin(): void {
    this.#pinned = true;
    this.#run(Date.now());
  }

  /** Stops sampling for good. Safe to call twice. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #run(now: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.sample(now);
    this.#timer = setInterval(() => this.#tick(), this.step);
  }

  #tick(): void {
    const now = Date.now();
    if (!this.#pinned && now - this.#lastRead > IDLE_MS) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    this.sample(now);
  }

  /** Takes a sample of every application now (the timer does it every `step` ms). */
  sample(now: number = Date.now()): void {
    for (const app of this.#hub.apps()) {
      let samples = this.#samples.get(app);
      if (!samples) this.#samples.set(app, samples = []);
      const previous = samples.at(-1);
      const sample = {
        time: now,
        connections: app.connectionCount,
        published: app.published,
        delivered: app.delivered,
      };
      samples.push(sample);
      if (samples.length > HISTORY_POINTS) samples.shift();
      if (this.#onSample) this.#onSample(app, this.report(app, now), pointOf(previous, sample));
    }
  }

  /** The application's figures on this node now, rates over the last `RATE_WINDOW_MS`. */
  report(app: App, now: number = Date.now()): NodeReport {
    const samples = this.#samples.get(app) ?? [];
    // The newest sample at least a window old, else the oldest there is.
    let base = samples[0];
    for (const sample of samples) {
      if (sample.time <= now - RATE_WINDOW_MS) base = sample;
    }
    const seconds = base ? (now - base.time) / 1000 : 0;
    return {
      id: this.nodeId,
      started: this.started,
      time: now,
      connections: app.connectionCount,
      users: app.userCount,
      channels: app.channelCount,
      published: app.published,
      delivered: app.delivered,
      publishedPerSecond: rate(app.published, base?.published, seconds),
      deliveredPerSecond: rate(app.delivered, base?.delivered, seconds),
    };
  }

  /** The application's recent history on this node, oldest first. */
  history(app: App): HistoryPoint[] {
    const samples = this.#samples.get(app) ?? [];
    return samples.map((sample, i) => pointOf(samples[i - 1], sample));
  }
}

/** A sample as a history point: its rates since the sample before (none: 0). */
function pointOf(previous: Sample | undefined, sample: Sample): HistoryPoint {
  const seconds = previous ? (sample.time - previous.time) / 1000 : 0;
  return {
    time: sample.time,
    connections: sample.connections,
    published: rate(sample.published, previous?.published, seconds),
    delivered: rate(sample.delivered, previous?.delivered, seconds),
  };
}

/** The rate from `from` to `total` over `seconds`; 0 without a start or a time. */
function rate(total: number, from: number | undefined, seconds: number): number {
  return seconds > 0 && from !== undefined ? round((total - from) / seconds) : 0;
}

/** Rounds a rate to two decimals. */
export function round(rate: number): number {
  return Math.round(rate * 100) / 100;
}
