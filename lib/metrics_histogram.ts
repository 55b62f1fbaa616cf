/**
 * A Prometheus histogram with one label whose hot path only adds to plain numbers. prom-client's
 * `Histogram` still renders it: at scrape time its per-label state is rebuilt from these numbers,
 * so the exposition is exactly what observing every value with prom-client would have written.
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

/** What prom-client keeps per label set, as its `Histogram` reads it when rendering. */
interface PromSeries {
  readonly labels: Record<string, string>;
  readonly bucketValues: Record<number, number>;
  readonly sum: number;
  readonly count: number;
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
  readonly #config: PlainHistogramConfig;
  readonly #bounds: readonly number[];
  /** By label value, in the order of each value's first observation (as prom-client keeps them). */
  readonly #series = new Map<string, Series>();

  /** Creates the histogram; it counts at once, and renders once registered (`register`). */
  constructor(config: PlainHistogramConfig) {
    this.#config = config;
    this.#bounds = [...config.buckets];
  }

  /** Registers the histogram in a prom-client registry, `prom` being the prom-client module. */
  register(prom: typeof client, registry: client.Registry): void {
    const { name, help, labelName } = this.#config;
    const bounds = this.#bounds;
    const series = this.#series;
    new prom.Histogram({
      name,
      help,
      labelNames: [labelName],
      buckets: [...bounds],
      registers: [registry],
      collect() {
        // prom-client's state: per label set (keyed `name:value`), the label values, the count
        // per upper bound, the sum and the count. Its renderer makes the buckets cumulative and
        // adds `+Inf`, `_sum` and `_count`.
        const hashMap: Record<string, PromSeries> = {};
        for (const [value, s] of series) {
          const bucketValues: Record<number, number> = {};
          for (let i = 0; i < bounds.length; i++) bucketValues[bounds[i]] = s.counts[i];
          hashMap[`${labelName}:${value}`] = {
            labels: { [labelName]: value },
            bucketValues,
            sum: s.sum,
            count: s.count,
          };
        }
        (this as unknown as { hashMap: Record<string, PromSeries> }).hashMap = hashMap;
      },
    });
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
