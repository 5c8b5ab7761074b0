import type { Labels } from '../write-batch.ts';

/** A label set being read pair by pair, with the first problem found (compat §2.3). */
export interface LabelSetReader {
  labels: Labels;
  problem: string | undefined;
  /** Names seen with an empty value (absent, but still counted for duplicates). */
  empty: string[] | undefined;
}

export function newLabelSetReader(): LabelSetReader {
  return { labels: {}, problem: undefined, empty: undefined };
}

/**
 * Adds one (name, value) pair: names must be non-empty and unique, empty values mean "absent" and
 * are dropped. Names may be any UTF-8 (remote-write 2.0, Prometheus 3); NUL is refused because
 * PostgreSQL text cannot hold it. Order does not matter: the writer keys label sets canonically.
 */
export function addLabel(reader: LabelSetReader, name: string, value: string): void {
  if (reader.problem !== undefined) return;
  const { labels } = reader;
  if (name === '') reader.problem = 'a label has an empty name';
  else if (Object.hasOwn(labels, name) || reader.empty?.includes(name) === true) reader.problem = `label ${JSON.stringify(name)} appears twice`;
  else if (name.includes('\0') || value.includes('\0')) reader.problem = `label ${JSON.stringify(name)} contains a NUL character`;
  else if (value === '') (reader.empty ??= []).push(name);
  // `__proto__` is a valid label name; plain assignment would set the object's prototype instead.
  else if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
}

/** The label set, or why it is invalid (`__name__` is required). */
export function finishLabels(reader: LabelSetReader): Labels | string {
  if (reader.problem !== undefined) return reader.problem;
  if (reader.labels.__name__ === undefined) return 'series has no metric name (__name__)';
  return reader.labels;
}

/** Builds a series' label set from its (name, value) pairs, or says why it is invalid. */
export function seriesLabels(names: readonly string[], values: readonly string[]): Labels | string {
  const reader = newLabelSetReader();
  for (let i = 0; i < names.length && reader.problem === undefined; i++) addLabel(reader, names[i]!, values[i]!);
  return finishLabels(reader);
}

/** A short description of a series for error messages. */
export function describeSeries(names: readonly string[], values: readonly string[]): string {
  const pairs = names.slice(0, 8).map((n, i) => `${n}=${JSON.stringify(values[i] ?? '')}`);
  return `{${pairs.join(', ')}${names.length > 8 ? ', …' : ''}}`;
}

/** The same for a (possibly partial) label set. */
export function describeLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  return describeSeries(
    entries.map(([n]) => n),
    entries.map(([, v]) => v),
  );
}
