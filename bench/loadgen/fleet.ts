/**
 * The load generator as the bench sees it: clients spread over several Node worker processes
 * (`worker.mjs`), each speaking SockJS over WebSocket to the server under test. The fleet knows
 * which clients are in which channel, so it knows how many deliveries each publish must bring,
 * and which workers must report it.
 *
 * @example
 * ```ts ignore
 * import { Fleet } from "./fleet.ts";
 * const fleet = await Fleet.start({ host: "127.0.0.1", port: 8080, clients: 1000, key: "key",
 *   channels: 1, perClient: 1, maxSeq: 100 });
 * // POST a body holding "#0#" to channel ch0, then:
 * await fleet.delivered(0, 5_000);
 * await fleet.close();
 * ```
 *
 * @module
 */

import { type Histogram, mergeHistograms } from "../latency.ts";
import { readLines, spawnChild, stopChild } from "../proc.ts";

const WORKER = new URL("./worker.mjs", import.meta.url).pathname;

/** How many clients one worker process takes at most. */
export const CLIENTS_PER_WORKER = 3_000;

/** Worker processes a fleet of `clients` starts by default: one per 3,000, at least 2, at most 5. */
export function workerCount(clients: number): number {
  return Math.min(5, Math.max(2, Math.ceil(clients / CLIENTS_PER_WORKER)));
}

/** Settings of a fleet. */
export interface FleetOptions {
  /** Server address. */
  readonly host: string;
  /** Server port. */
  readonly port: number;
  /**
   * Several servers (the nodes of a cluster): global client `g` connects to
   * `ports[g % ports.length]`, so the clients are spread evenly, and the workers count the
   * deliveries per node. Without it every client connects to `port`.
   */
  readonly ports?: readonly number[];
  /** Number of clients. */
  readonly clients: number;
  /** Public key sent in CONNECT. */
  readonly key: string;
  /** Number of channels, named `ch0` ... */
  readonly channels: number;
  /** Channels each client subscribes to. */
  readonly perClient: number;
  /** Publish sequence numbers run from 0 to `maxSeq - 1`; publish `s` goes to `ch(s % channels)`. */
  readonly maxSeq: number;
  /** Worker processes (default: one per 3,000 clients, at least 2, at most 5). */
  readonly workers?: number;
  /** Handshakes in flight per worker (default 64). */
  readonly concurrency?: number;
  /** Workers exit by themselves after this long (default 10 minutes). */
  readonly deadlineMs?: number;
  /** Connecting gives up after this long (default 120 s). */
  readonly connectTimeoutMs?: number;
}

/** Totals the workers report. */
export interface FleetStats {
  /** Pushes received (messages, not frames). */
  readonly received: number;
  /** `a[...]` frames received: fewer than `received` when the server coalesced messages. */
  readonly frames: number;
  /** Sessions the server closed (or that broke) after they opened. */
  readonly closed: number;
  /** Pushes received by the clients of each node (one entry without `ports`). */
  readonly receivedByNode: number[];
  /** Deliveries received per publish sequence number. */
  readonly countBySeq: number[];
  /** The latest receive time (epoch ms) per publish sequence number, over all workers. */
  readonly lastBySeq: number[];
}

/** The channels of global client `g` (the same rule as `worker.mjs`). */
export function channelsOf(g: number, perClient: number, channels: number): number[] {
  const list: number[] = [];
  for (let k = 0; k < perClient; k++) list.push((g * perClient + k) % channels);
  return list;
}

interface Worker {
  readonly child: Deno.ChildProcess;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly expected: Int32Array;
  ready: { open: number; failed: number; ms: number } | null;
  stats: ((stats: FleetStats) => void) | null;
  latency: ((histogram: Histogram) => void) | null;
}

interface SeqState {
  done: number;
  last: number;
  waiter: (() => void) | null;
}

const encoder = new TextEncoder();

/** A set of worker processes holding the clients. */
export class Fleet {
  /** Sessions that opened. */
  readonly open: number;
  /** Sessions that could not open. */
  readonly failed: number;
  /** Milliseconds the slowest worker took to open its sessions. */
  readonly connectMs: number;
  readonly #options: FleetOptions;
  readonly #workers: Worker[];
  readonly #seqs: Map<number, SeqState>;
  #closed = false;

  private constructor(options: FleetOptions, workers: Worker[], seqs: Map<number, SeqState>) {
    this.#options = options;
    this.#workers = workers;
    this.#seqs = seqs;
    this.open = workers.reduce((n, w) => n + (w.ready?.open ?? 0), 0);
    this.failed = workers.reduce((n, w) => n + (w.ready?.failed ?? 0), 0);
    this.connectMs = Math.max(...workers.map((w) => w.ready?.ms ?? 0));
  }

  /** Starts the workers and resolves once every client has opened (or failed to). */
  static async start(options: FleetOptions): Promise<Fleet> {
    const count = options.workers ?? workerCount(options.clients);
    const workers: Worker[] = [];
    const seqs = new Map<number, SeqState>();
    const readies: Promise<void>[] = [];
    const onDone = (seq: number, last: number) => {
      let state = seqs.get(seq);
      if (!state) seqs.set(seq, state = { done: 0, last: 0, waiter: null });
      state.done++;
      state.last = Math.max(state.last, last);
      state.waiter?.();
    };
    let start = 0;
    for (let i = 0; i < count; i++) {
      const clients = Math.floor(options.clients / count) +
        (i < options.clients % count ? 1 : 0);
      const config = {
        host: options.host,
        port: options.port,
        ports: options.ports ?? [],
        start,
        count: clients,
        key: options.key,
        channels: options.channels,
        perClient: options.perClient,
        maxSeq: options.maxSeq,
        concurrency: options.concurrency ?? 64,
        deadlineMs: options.deadlineMs ?? 600_000,
      };
      const expected = new Int32Array(options.channels);
      for (let g = start; g < start + clients; g++) {
        for (const c of channelsOf(g, options.perClient, options.channels)) expected[c]++;
      }
      start += clients;
      const child = spawnChild("node", [WORKER, JSON.stringify(config)], {
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      });
      const worker: Worker = {
        child,
        writer: child.stdin.getWriter(),
        expected,
        ready: null,
        stats: null,
        latency: null,
      };
      workers.push(worker);
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      readies.push(promise);
      readLines(child.stdout, (line) => {
        const msg = JSON.parse(line);
        if (msg.t === "done") onDone(msg.seq, msg.last);
        else if (msg.t === "ready") {
          worker.ready = msg;
          resolve();
        } else if (msg.t === "stats") worker.stats?.(msg);
        else if (msg.t === "lat") worker.latency?.(msg);
      }).catch(() => {});
      child.status.then((s) => reject(new Error(`loadgen worker exited with code ${s.code}`)));
    }
    const timeoutMs = options.connectTimeoutMs ?? 120_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`clients did not connect within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(readies), timeout]);
    } catch (error) {
      for (const w of workers) await stopChild(w.child, 200);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new Fleet(options, workers, seqs);
  }

  /** Clients assigned to each node (`ports`; one entry without it), connected or not. */
  get clientsByNode(): number[] {
    const nodes = this.#options.ports?.length || 1;
    return Array.from(
      { length: nodes },
      (_, i) =>
        Math.floor(this.#options.clients / nodes) + (i < this.#options.clients % nodes ? 1 : 0),
    );
  }

  /** Process ids of the workers (to measure the load generator's own CPU). */
  get pids(): number[] {
    return this.#workers.map((w) => w.child.pid);
  }

  /** Deliveries publish `seq` must bring (its channel's subscribers). */
  expectedFor(seq: number): number {
    const channel = seq % this.#options.channels;
    return this.#workers.reduce((n, w) => n + w.expected[channel], 0);
  }

  /**
   * Resolves with the epoch time of the last delivery of publish `seq` once every subscriber got
   * it, or with null after `timeoutMs`.
   */
  async delivered(seq: number, timeoutMs: number): Promise<number | null> {
    const channel = seq % this.#options.channels;
    const needed = this.#workers.filter((w) => w.expected[channel] > 0).length;
    let state = this.#seqs.get(seq);
    if (!state) this.#seqs.set(seq, state = { done: 0, last: 0, waiter: null });
    const deadline = Date.now() + timeoutMs;
    while (state.done < needed) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        state.waiter = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      state.waiter = null;
    }
    return state.last;
  }

  /** Asks every worker for its counters and adds them up. */
  async stats(): Promise<FleetStats> {
    const all = await Promise.all(this.#workers.map(async (w) => {
      const { promise, resolve } = Promise.withResolvers<FleetStats>();
      w.stats = resolve;
      await w.writer.write(encoder.encode("stats\n"));
      const stats = await promise;
      w.stats = null;
      return stats;
    }));
    const maxSeq = this.#options.maxSeq;
    const countBySeq = new Array<number>(maxSeq).fill(0);
    const lastBySeq = new Array<number>(maxSeq).fill(0);
    const receivedByNode = new Array<number>(this.#options.ports?.length || 1).fill(0);
    for (const s of all) {
      s.receivedByNode.forEach((n, i) => receivedByNode[i] += n);
      for (let i = 0; i < maxSeq; i++) {
        countBySeq[i] += s.countBySeq[i];
        lastBySeq[i] = Math.max(lastBySeq[i], s.lastBySeq[i]);
      }
    }
    return {
      received: all.reduce((n, s) => n + s.received, 0),
      frames: all.reduce((n, s) => n + s.frames, 0),
      closed: all.reduce((n, s) => n + s.closed, 0),
      receivedByNode,
      countBySeq,
      lastBySeq,
    };
  }

  /**
   * The latency of every delivery of publishes `from` to `to - 1` so far (publish-to-delivery,
   * from the send time in each publish's marker), the workers' histograms merged.
   */
  async latency(from: number, to: number): Promise<Histogram> {
    const all = await Promise.all(this.#workers.map(async (w) => {
      const { promise, resolve } = Promise.withResolvers<Histogram>();
      w.latency = resolve;
      await w.writer.write(encoder.encode(`lat ${from} ${to}\n`));
      const histogram = await promise;
      w.latency = null;
      return histogram;
    }));
    return mergeHistograms(all);
  }

  /** Closes every client and ends the workers; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#workers.map(async (w) => {
      try {
        await w.writer.write(encoder.encode("quit\n"));
        await w.writer.close();
      } catch {
        // the worker is gone already
      }
      await stopChild(w.child, 3_000);
    }));
  }
}
