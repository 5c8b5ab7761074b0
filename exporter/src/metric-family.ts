/**
 * Prometheus types Sextant exposes; `untyped` exists because node_exporter uses it (node_vmstat_*).
 * `histogram` and `summary` come only from textfile `.prom` files, already aggregated.
 */
export type MetricType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary';

export type Labels = Readonly<Record<string, string>>;

/** What a family is: its exact Prometheus name (counters keep `_total`), HELP text and TYPE. */
export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
}

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
  /** Appended to the family name for this line: `_bucket`, `_sum`, `_count` of a histogram or summary. */
  readonly suffix?: string;
}

/** A family with the samples of one scrape, ready to serialize. */
export interface Family extends FamilySpec {
  readonly samples: Sample[];
}

/** Shorthand used by collectors to declare their families. */
export function family(name: string, type: MetricType, help: string): FamilySpec {
  return { name, type, help };
}
