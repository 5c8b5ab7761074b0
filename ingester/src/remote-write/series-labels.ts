import type { Labels } from '../write-batch.ts';

/**
 * Builds a series' label set from its (name, value) pairs, or says why it is invalid (compat §2.3):
 * `__name__` is required, names must be non-empty and unique, empty values mean "absent" and are
 * dropped. Names may be any UTF-8 (remote-write 2.0, Prometheus 3); NUL is refused because
 * PostgreSQL text cannot hold it. Sorting is left to the writer's canonical key.
 */
export function seriesLabels(names: readonly string[], values: readonly string[]): Labels | string {
  const labels: Labels = {};
  let sorted = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = values[i]!;
    if (name === '') return 'a label has an empty name';
    // Sorted names (what senders send) repeat only next to each other; otherwise check with a set below.
    if (i > 0 && name <= names[i - 1]!) {
      if (name === names[i - 1]) return `label ${JSON.stringify(name)} appears twice`;
      sorted = false;
    }
    if (name.includes('\0') || value.includes('\0')) return `label ${JSON.stringify(name)} contains a NUL character`;
    if (value !== '') labels[name] = value;
  }
  if (!sorted) {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) return `label ${JSON.stringify(name)} appears twice`;
      seen.add(name);
    }
  }
  if (labels.__name__ === undefined) return 'series has no metric name (__name__)';
  return labels;
}

/** A short description of a series for error messages. */
export function describeSeries(names: readonly string[], values: readonly string[]): string {
  const pairs = names.slice(0, 8).map((n, i) => `${n}=${JSON.stringify(values[i] ?? '')}`);
  return `{${pairs.join(', ')}${names.length > 8 ? ', …' : ''}}`;
}
