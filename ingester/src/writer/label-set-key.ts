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

/**
 * A label set as the JSON object `{"n": metric_name, "l": {every label but __name__}}`, the row
 * `series` stores for it (jsonb normalises key order, so any order gives the same row).
 */
export function seriesRecord(labels: Labels): string {
  let rest = '';
  for (const name in labels) {
    if (name === '__name__' || !Object.hasOwn(labels, name)) continue;
    rest += `${rest === '' ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(labels[name])}`;
  }
  return `{"n":${JSON.stringify(labels.__name__ ?? '')},"l":{${rest}}}`;
}
