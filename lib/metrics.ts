/**
 * Metrics in the Prometheus text format. The hot path only adds to plain numbers; prom-client,
 * a large share of an idle server's memory, is loaded on the first scrape and reads them then.
 *
 * @module
 */

import type client from "npm:prom-client@15.1.3";

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

  /** Creates the metrics; `gauges` are read at scrape time. */
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
    registerAll(prom, registry, this.#specs());
    this.#latency.register(registry);
    registerAll(prom, registry, optionalSpecs(this.#gauges, this.recoveries));
    return registry;
  }

  /** The metrics every server has, in the order the exposition lists them. */
  #specs(): Spec[] {
    const { sessions, users, channels } = this.#gauges;
    const requests = this.#requests;
    return [
      gauge(
        "thunderpush_sessions",
        "Open client sessions, by SockJS transport.",
        () => byLabel("transport", sessions()),
        ["transport"],
      ),
      gauge("thunderpush_users", "Distinct user ids connected to this node.", users),
      gauge(
        "thunderpush_channels",
        "Channels with at least one subscriber on this node.",
        channels,
      ),
      counter(
        "thunderpush_messages_published_total",
        "Pushes accepted by the HTTP API, by target kind.",
        () => byLabel("kind", Object.entries(this.published)),
        ["kind"],
      ),
      counter(
        "thunderpush_messages_delivered_total",
        "Pushes handed to client connections on this node.",
        () => this.delivered,
      ),
      counter(
        "thunderpush_bytes_sent_total",
        "Bytes of push frames handed to client connections on this node.",
        () => this.bytesSent,
      ),
      counter(
        "thunderpush_api_requests_total",
        "HTTP API requests, by endpoint, method and status.",
        function* () {
          for (const [endpoint, byMethod] of requests) {
            for (const [method, byStatus] of byMethod) {
              for (const [status, n] of byStatus) yield [{ endpoint, method, status }, n];
            }
          }
        },
        ["endpoint", "method", "status"],
      ),
      counter(
        "thunderpush_connects_refused_total",
        "CONNECTs refused (the session closed), by reason.",
        () => byLabel("reason", this.connectsRefused),
        ["reason"],
      ),
      counter(
        "thunderpush_subscribes_refused_total",
        "SUBSCRIBEs to a private- channel the connection's token does not grant (ignored).",
        () => this.subscribesRefused,
      ),
    ];
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

/** The metrics of the optional gauges: history, webhooks, memory (after the histogram). */
function optionalSpecs(
  gauges: MetricsGauges,
  recoveries: { recovered: number; notRecovered: number },
): Spec[] {
  const { history, webhooks, memory } = gauges;
  const specs: Spec[] = [];
  if (history) {
    specs.push(
      counter(
        "thunderpush_history_recoveries_total",
        "RECOVER commands answered, by result (recovered, or told recovered: false).",
        () => {
          const { recovered, notRecovered } = recoveries;
          return byLabel("result", [["recovered", recovered], ["not_recovered", notRecovered]]);
        },
        ["result"],
      ),
      gauge(
        "thunderpush_history_messages",
        "Pushes kept in channel history in this process (with --redis, Redis keeps them).",
        () => history()?.messages ?? 0,
      ),
      gauge(
        "thunderpush_history_bytes",
        "Bytes of payload kept in channel history in this process.",
        () => history()?.bytes ?? 0,
      ),
    );
  }
  if (webhooks) {
    specs.push(
      counter(
        "thunderpush_webhook_events_total",
        "Presence webhook events, by result: sent (2xx), failed (given up), dropped (queue full).",
        () => {
          const { sent, failed, dropped } = webhooks();
          return byLabel("result", Object.entries({ sent, failed, dropped }));
        },
        ["result"],
      ),
      gauge(
        "thunderpush_webhook_queue_length",
        "Presence webhook events waiting to be sent or in flight on this node.",
        () => webhooks().queued,
      ),
    );
  }
  if (memory) {
    specs.push(
      gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => memory().rss),
      gauge(
        "thunderpush_heap_used_bytes",
        "JavaScript heap in use, in bytes.",
        () => memory().heapUsed,
      ),
    );
  }
  return specs;
}

/** Label values and the number they count. */
type Sample = readonly [Readonly<Record<string, string | number>>, number];

/** A counter or gauge read at scrape time: one number, or one per set of label values. */
interface Spec {
  readonly kind: "Counter" | "Gauge";
  readonly name: string;
  readonly help: string;
  readonly read: () => number | Iterable<Sample>;
  readonly labelNames: string[];
}

/** A counter read at scrape time (prom-client checks each sample's labels against `labelNames`). */
function counter(name: string, help: string, read: Spec["read"], labelNames: string[] = []): Spec {
  return { kind: "Counter", name, help, read, labelNames };
}

/** A gauge read at scrape time. */
function gauge(name: string, help: string, read: Spec["read"], labelNames: string[] = []): Spec {
  return { kind: "Gauge", name, help, read, labelNames };
}

/** Registers each spec in `registry`, in order (the order the exposition lists them). */
function registerAll(prom: typeof client, registry: client.Registry, specs: Spec[]): void {
  for (const { kind, name, help, labelNames, read } of specs) {
    new prom[kind]({
      name,
      help,
      labelNames,
      registers: [registry],
      collect(this: client.Counter | client.Gauge) {
        this.reset();
        const value = read();
        const samples = typeof value === "number" ? [[{}, value] as const] : value;
        for (const [labels, n] of samples) this.inc(labels, n);
      },
    });
  }
}

/** `[value, n]` pairs as samples of the one label `label`. */
function byLabel(label: string, counts: Iterable<readonly [string, number]>): Sample[] {
  return Array.from(counts, ([value, n]) => [{ [label]: value }, n]);
}

/** Settings of a `PlainHistogram`. */
export interface PlainHistogramConfig {
  /** The metric name. */
  readonly name: string;
  /** The metric's help text. */
  readonly help: string;
  /** The one label's name. */
  readonly labelName: string;
  /** The buckets' upper bounds, ascending. */
  readonly buckets: readonly number[];
}

/** One sample of the exposition, as a prom-client metric's `get()` lists it. */
type HistogramSample = {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
};

/**
 * A one-label histogram that counts in plain numbers, before prom-client is loaded. prom-client
 * renders it as a metric of its own: its `get()` answers what a prom-client `Histogram`'s does.
 */
export class PlainHistogram {
  /** The metric name (prom-client's registry keys metrics by it). */
  readonly name: string;
  readonly #config: PlainHistogramConfig;
  /**
   * By label value, in the order of first observation (as prom-client keeps them): observations
   * per bucket (not cumulative), their sum, and their count (those above every bound included).
   */
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  /** Creates the histogram; it counts at once, and renders once registered (`register`). */
  constructor(config: PlainHistogramConfig) {
    this.name = config.name;
    this.#config = { ...config, buckets: [...config.buckets] };
  }

  /** Registers the histogram in a prom-client registry. */
  register(registry: client.Registry): void {
    // The registry needs only `name`, `get()` and `reset()`; its type lists prom-client's classes.
    registry.registerMetric(this as unknown as client.Metric);
  }

  /** Per label value: the cumulative count per bound, `+Inf`, the sum and the count. */
  get(): Promise<
    { name: string; help: string; type: string; aggregator: string; values: HistogramSample[] }
  > {
    const { name, help, labelName, buckets } = this.#config;
    const values: HistogramSample[] = [];
    const add = (suffix: string, labels: Record<string, string | number>, value: number) => {
      values.push({ metricName: name + suffix, labels, value });
    };
    for (const [label, s] of this.#series) {
      let total = 0;
      for (const [i, le] of buckets.entries()) {
        total += s.counts[i];
        add("_bucket", { le, [labelName]: label }, total);
      }
      add("_bucket", { le: "+Inf", [labelName]: label }, s.count);
      add("_sum", { [labelName]: label }, s.sum);
      add("_count", { [labelName]: label }, s.count);
    }
    return Promise.resolve({ name, help, type: "histogram", aggregator: "sum", values });
  }

  /** Forgets every observation. */
  reset(): void {
    this.#series.clear();
  }

  /**
   * Observes `value` under the label value `label`: in the first bucket whose bound is at least
   * `value` (none when above them all), the sum and the count.
   *
   * @throws {TypeError} when `value` is not a finite number (as prom-client does).
   */
  observe(label: string, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.#config.buckets;
    let s = this.#series.get(label);
    if (!s) this.#series.set(label, s = { counts: bounds.map(() => 0), sum: 0, count: 0 });
    const bucket = bounds.findIndex((bound) => value <= bound);
    if (bucket >= 0) s.counts[bucket]++;
    s.sum += value;
    s.count++;
  }
}
