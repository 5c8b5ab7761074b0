import type { Labels } from '../write-batch.ts';

/**
 * The canonical encoding of a label set: its (name, value) pairs sorted by name, as JSON. Equal label
 * sets give equal keys whatever order their names came in, and different ones never collide, so the
 * key can index the series cache directly.
 */
export function labelSetKey(labels: Labels): string {
  let names = Object.keys(labels);
  // Senders send names sorted (remote-write requires it), so sort only when they are not.
  for (let i = 1; i < names.length; i++) {
    if (names[i - 1]! >= names[i]!) {
      names = names.sort();
      break;
    }
  }
  const flat: string[] = new Array<string>(names.length * 2);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    flat[2 * i] = name;
    flat[2 * i + 1] = labels[name]!;
  }
  return JSON.stringify(flat);
}

/** `series.metric_name` and `series.labels` (every label but `__name__`, as JSON) of a label set. */
export function seriesColumns(labels: Labels): { metricName: string; labelsJson: string } {
  // fromEntries defines properties, so a label named `__proto__` stays a label.
  const rest = Object.fromEntries(
    Object.keys(labels)
      .sort()
      .filter((name) => name !== '__name__')
      .map((name) => [name, labels[name]]),
  );
  return { metricName: labels.__name__ ?? '', labelsJson: JSON.stringify(rest) };
}
