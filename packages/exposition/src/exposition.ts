// The model every parser in this package produces and the renderer consumes (see README.md).

/** Which grammar a body is written in (compat §1.4): Prometheus text 0.0.4 or OpenMetrics 1.0. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Metric types as written in `# TYPE`: text 0.0.4 uses `untyped`, OpenMetrics `unknown` and adds three more. */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'gaugehistogram'
  | 'stateset'
  | 'info';

/** Label name → value. In a sample, `__name__` is the first key and holds the sample name. */
export type Labels = Record<string, string>;

/** An OpenMetrics exemplar (compat §1.3): its own labels (no `__name__`), value and optional time. */
export interface Exemplar {
  labels: Labels;
  value: number;
  timestampMs: number | undefined;
}

/**
 * One sample line. `labels` already holds `__name__`, so `{labels, samples: [{timestampMs, value}]}`
 * is a series as the ingester's writer takes it. `timestampMs` is undefined when the line has none
 * (the scraper then uses the scrape time); OpenMetrics seconds are converted like Prometheus does,
 * `int64(seconds * 1000)`. `family` is the metric family the line belongs to: in OpenMetrics the
 * family being read; in text 0.0.4 the latest `# TYPE`/`# HELP` name if the sample name is that
 * name or it plus one of its type's suffixes (`_total`, `_bucket`, `_sum`, …), else any declared
 * name it is in that way, else the sample name itself.
 */
export interface ExpositionSample {
  name: string;
  family: string;
  labels: Labels;
  value: number;
  timestampMs: number | undefined;
  exemplar: Exemplar | undefined;
}

/**
 * Metadata of one family as declared by `# TYPE`, `# HELP` and `# UNIT` lines, in the order first
 * declared. Absent metadata is `untyped` (text) / `unknown` (OpenMetrics) and `''`; only names that
 * have at least one metadata line are listed.
 */
export interface ExpositionFamily {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
}

/** A parsed body, or what `renderExposition` writes. */
export interface Exposition {
  families: ExpositionFamily[];
  samples: ExpositionSample[];
}

/** Options for `parseExposition`. */
export interface ParseOptions {
  /**
   * Leave out labels whose value is `""`, as Prometheus does when it stores a series (compat §1.5,
   * "empty label values"). Default false: the labels exactly as written.
   */
  dropEmptyLabelValues?: boolean;
  /**
   * Reject escapes other than `\\`, `\"` and `\n` in label values and other than `\\`, `\n` in
   * text-format HELP, as Go's expfmt (node_exporter's textfile collector, promtool) does. Default
   * false: such a backslash is kept as written, as Prometheus's scrape parser does (compat §1.2).
   */
  strictEscapes?: boolean;
}
