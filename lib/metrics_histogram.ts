/**
 * A Prometheus histogram with one label whose hot path only adds to plain numbers, so that it
 * counts before prom-client is loaded (on the first scrape). It is rendered by prom-client as a
 * metric of its own registered with `Registry.registerMetric`: its `get()` answers the series in
 * the shape every prom-client metric's `get()` answers, and the registry writes the text format.
 *
 * @module
 */

import type client from "npm:prom-client@15.1.3";

/** One label value's observations. */
interface Series {
  /** Observations per bucket (not cumulative), in the order of the bounds. */
  readonly counts: number[];
  /** The observed values added up, in the order observed. */
  sum: number;
  /** Observations, those above the largest bound included. */
  count: number;
}

/** One sample of the exposition, as a prom-client metric's `get()` lists it. */
interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
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

/** A one-label histogram counted in plain numbers and rendered by prom-client. */
export class PlainHistogram {
  /** The metric name (prom-client's registry keys metrics by it). */
  readonly name: string;
  /** The help text. */
  readonly help: string;
  /** The metric type, as prom-client writes it. */
  readonly type = "histogram";
  /** How a cluster of processes would add the series up (prom-client's `aggregator`). */
  readonly aggregator = "sum";
  readonly #labelName: string;
  readonly #bounds: readonly number[];
  /** By label value, in the order of each value's first observation (as prom-client keeps them). */
  readonly #series = new Map<string, Series>();

  /** Creates the histogram; it counts at once, and renders once registered (`register`). */
  constructor(config: PlainHistogramConfig) {
    this.name = config.name;
    this.help = config.help;
    this.#labelName = config.labelName;
    this.#bounds = [...config.buckets];
  }

  /** Registers the histogram in a prom-client registry. */
  register(registry: client.Registry): void {
    // The registry needs only `name`, `get()` and, for `resetMetrics()`, `reset()`; its type
    // lists prom-client's own metric classes.
    registry.registerMetric(this as unknown as client.Metric);
  }

  /**
   * The series as a prom-client `Histogram`'s `get()` lists them: per label value, the
   * cumulative count per bound, `+Inf`, the sum and the count.
   */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Sample[];
  }> {
    const labelName = this.#labelName;
    const bucket = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const [value, s] of this.#series) {
      let total = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        total += s.counts[i];
        values.push({
          metricName: bucket,
          labels: { le: this.#bounds[i], [labelName]: value },
          value: total,
        });
      }
      values.push({
        metricName: bucket,
        labels: { le: "+Inf", [labelName]: value },
        value: s.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels: { [labelName]: value }, value: s.sum });
      values.push({
        metricName: `${this.name}_count`,
        labels: { [labelName]: value },
        value: s.count,
      });
    }
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  /** Forgets every observation. */
  reset(): void {
    this.#series.clear();
  }

  /**
   * Observes `value` under the label value `label`: into the first bucket whose bound is at least
   * `value` (none when it is above them all), the sum and the count.
   *
   * @throws {TypeError} when `value` is not a finite number (as prom-client does).
   */
  observe(label: string, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let s = this.#series.get(label);
    if (!s) {
      s = { counts: this.#bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(label, s);
    }
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        s.counts[i]++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }
}
