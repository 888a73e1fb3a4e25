/**
 * A small Prometheus registry: counters, gauges (set, or read at scrape time) and histograms with
 * labels, rendered in the text exposition format 0.0.4. No dependency; the hub serves it at
 * `/metrics`.
 */

export type Labels = Readonly<Record<string, string>>;

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  readonly name: string;
  render(): string[];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** One series per distinct label set, keyed by its rendered form. */
class Series<V> {
  private readonly byKey = new Map<string, { labels: Labels; value: V }>();

  constructor(private readonly labelNames: readonly string[]) {}

  /** The series of `labels`, created with `init()` on first use; unknown or missing label names throw. */
  get(labels: Labels, init: () => V): V {
    const ordered: Record<string, string> = {};
    for (const name of this.labelNames) {
      const value = labels[name];
      if (value === undefined) throw new Error(`label "${name}" is missing`);
      ordered[name] = value;
    }
    if (Object.keys(labels).length !== this.labelNames.length) throw new Error('unexpected label');
    const key = formatLabels(ordered);
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { labels: ordered, value: init() };
      this.byKey.set(key, entry);
    }
    return entry.value;
  }

  entries(): { labels: Labels; value: V }[] {
    return [...this.byKey.values()];
  }
}

function header(name: string, help: string, type: string): string[] {
  return [`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`];
}

/** What a counter or gauge reads at scrape time: one value, or one value per label set. */
export type Collector = () => number | { labels: Labels; value: number }[];

/** A counter or a gauge: values kept per label set, or read from `collect` at scrape time. */
abstract class ScalarMetric implements Metric {
  protected readonly series: Series<{ v: number }>;
  protected abstract readonly type: 'counter' | 'gauge';

  constructor(
    readonly name: string,
    private readonly help: string,
    labelNames: readonly string[] = [],
    private readonly collect?: Collector,
  ) {
    this.series = new Series(labelNames);
  }

  render(): string[] {
    const lines = header(this.name, this.help, this.type);
    const collected = this.collect?.();
    const samples =
      collected === undefined
        ? this.series.entries().map((e) => ({ labels: e.labels, value: e.value.v }))
        : typeof collected === 'number'
          ? [{ labels: {}, value: collected }]
          : collected;
    for (const s of samples) lines.push(`${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    return lines;
  }
}

export class Counter extends ScalarMetric {
  protected readonly type = 'counter';

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error('a counter only goes up');
    this.series.get(labels, () => ({ v: 0 })).v += by;
  }
}

export class Gauge extends ScalarMetric {
  protected readonly type = 'gauge';

  set(labels: Labels, value: number): void {
    this.series.get(labels, () => ({ v: 0 })).v = value;
  }
}

export class Histogram implements Metric {
  private readonly series: Series<{ counts: number[]; sum: number; count: number }>;

  constructor(
    readonly name: string,
    private readonly help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    if (buckets.some((b, i) => i > 0 && b <= buckets[i - 1]!)) throw new Error('buckets must increase');
    this.series = new Series(labelNames);
  }

  observe(labels: Labels, value: number): void {
    const s = this.series.get(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const lines = header(this.name, this.help, 'histogram');
    for (const { labels, value } of this.series.entries()) {
      this.buckets.forEach((le, i) => {
        lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: formatValue(le) })} ${value.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${value.count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatValue(value.sum)}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${value.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  private add<M extends Metric>(metric: M): M {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric.name)) throw new Error(`invalid metric name "${metric.name}"`);
    if (this.metrics.has(metric.name)) throw new Error(`metric "${metric.name}" is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = [], collect?: Collector): Counter {
    return this.add(new Counter(name, help, labelNames, collect));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: Collector): Gauge {
    return this.add(new Gauge(name, help, labelNames, collect));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** Removes a metric (a component that stops takes its collectors with it). */
  remove(name: string): void {
    this.metrics.delete(name);
  }

  /** The text exposition of every metric, in registration order. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) lines.push(...metric.render());
    return `${lines.join('\n')}\n`;
  }
}
