/**
 * Metrics in the Prometheus text format, with prom-client. The hot path only adds to plain
 * numbers; prom-client reads them when `/metrics` is scraped. prom-client itself is loaded on the
 * first scrape: it is a fifth of an idle server's memory (about 22 MB on Deno), which a server
 * nobody scrapes need not pay.
 *
 * @module
 */

import type client from "npm:prom-client@15.1.3";
import { PlainHistogram } from "./metrics_histogram.ts";

const KNOWN_METHODS = new Set(["GET", "POST", "DELETE", "OPTIONS", "HEAD", "PUT", "PATCH"]);

/** The content type of the Prometheus text format (prom-client's, which the tests check). */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What the gauges read at scrape time. */
export interface MetricsGauges {
  /** Open sessions by transport. */
  sessions: () => Map<string, number>;
  /** Distinct users connected. */
  users: () => number;
  /** Channels with subscribers. */
  channels: () => number;
  /** The process's memory, when the runtime tells it. */
  memory?: () => { rss: number; heapUsed: number };
  /** Pushes and payload bytes kept by history in this process (undefined: kept elsewhere). */
  history?: () => { messages: number; bytes: number } | undefined;
  /** Webhook events sent, failed, dropped and queued, when webhooks are on. */
  webhooks?: () => { sent: number; failed: number; dropped: number; queued: number };
}

/** What the server counts. */
export class Metrics {
  /** Pushes accepted by the API, by kind (`channel`, `user`). */
  readonly published = { channel: 0, user: 0 };
  /** Pushes handed to a client connection. */
  delivered = 0;
  /** Bytes of the push frames handed to client connections. */
  bytesSent = 0;
  /** RECOVER commands answered, by verdict (with history on). */
  readonly recoveries = { recovered: 0, notRecovered: 0 };
  /** CONNECTs refused, by reason (`api_key`, `user_id`, `token_*`). */
  readonly connectsRefused: Map<string, number> = new Map();
  /** SUBSCRIBEs to a `private-` channel the token does not grant. */
  subscribesRefused = 0;
  /**
   * API requests by endpoint, then method, then status, read by prom-client at scrape time.
   * Nested maps rather than one `"endpoint method status"` key: no string is built per request.
   */
  #requests = new Map<string, Map<string, Map<number, number>>>();
  #latency: PlainHistogram;
  #gauges: MetricsGauges;
  #registry: Promise<client.Registry> | undefined;

  /**
   * Creates the metrics. `gauges` are read at scrape time: open sessions by transport, users,
   * channels, and the process's memory when the runtime tells it.
   */
  constructor(gauges: MetricsGauges) {
    this.#gauges = gauges;
    this.#latency = new PlainHistogram({
      name: "thunderpush_publish_duration_seconds",
      help: "Time to answer a publish (POST to a channel or a user).",
      labelName: "kind",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
  }

  /** Loads prom-client and registers every metric, reading this object's numbers when rendered. */
  async #build(): Promise<client.Registry> {
    const { default: prom } = await import("npm:prom-client@15.1.3");
    const registry = new prom.Registry();
    const registers = [registry];
    const gauges = this.#gauges;
    // Registered in the order the exposition lists them.
    registerPresence(prom, registers, gauges);
    registerTraffic(prom, registers, this);
    registerRequests(prom, registers, this.#requests);
    registerRefusals(prom, registers, this);
    this.#latency.register(registry);
    if (gauges.history) registerHistory(prom, registers, gauges.history, this.recoveries);
    if (gauges.webhooks) registerWebhookMetrics(prom, registry, gauges.webhooks);
    if (gauges.memory) registerMemory(prom, registers, gauges.memory);
    return registry;
  }

  /** Counts an API request; publishes also go into the latency histogram. */
  request(endpoint: string, method: string, status: number, seconds: number): void {
    // Methods are the client's to choose: unknown ones share one label, so labels stay bounded.
    const known = KNOWN_METHODS.has(method) ? method : "other";
    let byMethod = this.#requests.get(endpoint);
    if (byMethod === undefined) this.#requests.set(endpoint, byMethod = new Map());
    let byStatus = byMethod.get(known);
    if (byStatus === undefined) byMethod.set(known, byStatus = new Map());
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (method === "POST" && status === 200 && (endpoint === "channel" || endpoint === "user")) {
      this.published[endpoint]++;
      this.#latency.observe(endpoint, seconds);
    }
  }

  /** Counts a refused CONNECT (`reason` is one of a few fixed words). */
  connectRefused(reason: string): void {
    this.connectsRefused.set(reason, (this.connectsRefused.get(reason) ?? 0) + 1);
  }

  /** Counts a SUBSCRIBE to a `private-` channel that was not granted. */
  subscribeRefused(): void {
    this.subscribesRefused++;
  }

  /** The exposition text (prom-client is loaded on the first call). */
  async render(): Promise<string> {
    // A failed load is not kept: the next scrape tries again.
    const registry = this.#registry ??= this.#build().catch((error) => {
      this.#registry = undefined;
      throw error;
    });
    return await (await registry).metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return PROMETHEUS_CONTENT_TYPE;
  }
}

/** The gauges of who is here: sessions by transport, users, channels. */
function registerPresence(
  prom: typeof client,
  registers: client.Registry[],
  gauges: MetricsGauges,
): void {
  new prom.Gauge({
    name: "thunderpush_sessions",
    help: "Open client sessions, by SockJS transport.",
    labelNames: ["transport"],
    registers,
    collect() {
      this.reset();
      for (const [transport, n] of gauges.sessions()) this.set({ transport }, n);
    },
  });
  new prom.Gauge({
    name: "thunderpush_users",
    help: "Distinct user ids connected to this node.",
    registers,
    collect() {
      this.set(gauges.users());
    },
  });
  new prom.Gauge({
    name: "thunderpush_channels",
    help: "Channels with at least one subscriber on this node.",
    registers,
    collect() {
      this.set(gauges.channels());
    },
  });
}

/** The counters of pushes: published by kind, delivered, and the bytes sent. */
function registerTraffic(
  prom: typeof client,
  registers: client.Registry[],
  metrics: Metrics,
): void {
  new prom.Counter({
    name: "thunderpush_messages_published_total",
    help: "Pushes accepted by the HTTP API, by target kind.",
    labelNames: ["kind"],
    registers,
    collect() {
      this.reset();
      this.inc({ kind: "channel" }, metrics.published.channel);
      this.inc({ kind: "user" }, metrics.published.user);
    },
  });
  new prom.Counter({
    name: "thunderpush_messages_delivered_total",
    help: "Pushes handed to client connections on this node.",
    registers,
    collect() {
      this.reset();
      this.inc(metrics.delivered);
    },
  });
  new prom.Counter({
    name: "thunderpush_bytes_sent_total",
    help: "Bytes of push frames handed to client connections on this node.",
    registers,
    collect() {
      this.reset();
      this.inc(metrics.bytesSent);
    },
  });
}

/** The counter of API requests, from their counts by endpoint, method and status. */
function registerRequests(
  prom: typeof client,
  registers: client.Registry[],
  requests: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<number, number>>>,
): void {
  new prom.Counter({
    name: "thunderpush_api_requests_total",
    help: "HTTP API requests, by endpoint, method and status.",
    labelNames: ["endpoint", "method", "status"],
    registers,
    collect() {
      this.reset();
      for (const [endpoint, byMethod] of requests) {
        for (const [method, byStatus] of byMethod) {
          for (const [status, n] of byStatus) this.inc({ endpoint, method, status }, n);
        }
      }
    },
  });
}

/** The counters of refused commands: CONNECTs by reason, and SUBSCRIBEs not granted. */
function registerRefusals(
  prom: typeof client,
  registers: client.Registry[],
  metrics: Metrics,
): void {
  new prom.Counter({
    name: "thunderpush_connects_refused_total",
    help: "CONNECTs refused (the session closed), by reason.",
    labelNames: ["reason"],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of metrics.connectsRefused) this.inc({ reason }, n);
    },
  });
  new prom.Counter({
    name: "thunderpush_subscribes_refused_total",
    help: "SUBSCRIBEs to a private- channel the connection's token does not grant (ignored).",
    registers,
    collect() {
      this.reset();
      this.inc(metrics.subscribesRefused);
    },
  });
}

/** The process's memory: resident size and JavaScript heap in use. */
function registerMemory(
  prom: typeof client,
  registers: client.Registry[],
  memory: NonNullable<MetricsGauges["memory"]>,
): void {
  new prom.Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers,
    collect() {
      this.set(memory().rss);
    },
  });
  new prom.Gauge({
    name: "thunderpush_heap_used_bytes",
    help: "JavaScript heap in use, in bytes.",
    registers,
    collect() {
      this.set(memory().heapUsed);
    },
  });
}

/** The history gauges: pushes and payload bytes kept in this process's memory. */
function registerHistory(
  prom: typeof client,
  registers: client.Registry[],
  history: NonNullable<MetricsGauges["history"]>,
  recoveries: { recovered: number; notRecovered: number },
): void {
  new prom.Counter({
    name: "thunderpush_history_recoveries_total",
    help: "RECOVER commands answered, by result (recovered, or told recovered: false).",
    labelNames: ["result"],
    registers,
    collect() {
      this.reset();
      this.inc({ result: "recovered" }, recoveries.recovered);
      this.inc({ result: "not_recovered" }, recoveries.notRecovered);
    },
  });
  new prom.Gauge({
    name: "thunderpush_history_messages",
    help: "Pushes kept in channel history in this process (with --redis, Redis keeps them).",
    registers,
    collect() {
      this.set(history()?.messages ?? 0);
    },
  });
  new prom.Gauge({
    name: "thunderpush_history_bytes",
    help: "Bytes of payload kept in channel history in this process.",
    registers,
    collect() {
      this.set(history()?.bytes ?? 0);
    },
  });
}

/** The webhook metrics: events by outcome, and the queue's length. */
function registerWebhookMetrics(
  prom: typeof client,
  registry: client.Registry,
  stats: NonNullable<MetricsGauges["webhooks"]>,
): void {
  new prom.Counter({
    name: "thunderpush_webhook_events_total",
    help:
      "Presence webhook events, by result: sent (2xx), failed (given up), dropped (queue full).",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      this.reset();
      const { sent, failed, dropped } = stats();
      this.inc({ result: "sent" }, sent);
      this.inc({ result: "failed" }, failed);
      this.inc({ result: "dropped" }, dropped);
    },
  });
  new prom.Gauge({
    name: "thunderpush_webhook_queue_length",
    help: "Presence webhook events waiting to be sent or in flight on this node.",
    registers: [registry],
    collect() {
      this.set(stats().queued);
    },
  });
}
