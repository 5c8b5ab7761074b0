import type { Exposition, ExpositionFamily, ExpositionFormat, ExpositionSample, Labels, MetricType } from './exposition.ts';
import { formatGoFloat } from './go-float.ts';

const TEXT_TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

function escapeHelp(help: string, format: ExpositionFormat): string {
  const special = format === 'openmetrics' ? /[\\"\n]/g : /[\\\n]/g;
  return help.replace(special, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function renderLabels(labels: Labels, skipName: boolean): string {
  let out = '';
  for (const name of Object.keys(labels)) {
    if (skipName && name === '__name__') continue;
    out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name]!)}"`;
  }
  return out;
}

/** OpenMetrics seconds that Prometheus reads back (`int64(s * 1000)`) as exactly `ms`. */
function secondsFor(ms: number): string {
  if (Number.isSafeInteger(ms)) {
    const abs = Math.abs(ms);
    const fraction = String(abs % 1000).padStart(3, '0').replace(/0+$/, '');
    const exact = `${ms < 0 ? '-' : ''}${Math.floor(abs / 1000)}${fraction === '' ? '' : `.${fraction}`}`;
    if (Math.trunc(Number(exact) * 1000) === ms) return exact;
    // A decimal like 1.001 is a float slightly below it; half a millisecond more truncates right.
    return String((ms + (ms < 0 ? -0.5 : 0.5)) / 1000);
  }
  return String(ms / 1000);
}

function renderFamily(family: ExpositionFamily, format: ExpositionFormat): string {
  const { name } = family;
  const help = family.help === '' ? '' : `# HELP ${name} ${escapeHelp(family.help, format)}\n`;
  if (format === 'text') {
    const type = TEXT_TYPES.has(family.type) ? family.type : 'untyped';
    return `${help}# TYPE ${name} ${type}\n`;
  }
  const type = family.type === 'untyped' ? 'unknown' : family.type;
  const unit = family.unit === '' ? '' : `# UNIT ${name} ${family.unit}\n`;
  return `# TYPE ${name} ${type}\n${unit}${help}`;
}

function renderSample(sample: ExpositionSample, format: ExpositionFormat): string {
  const labels = renderLabels(sample.labels, true);
  let line = `${sample.name}${labels === '' ? '' : `{${labels}}`} ${formatGoFloat(sample.value)}`;
  if (sample.timestampMs !== undefined) line += ` ${format === 'text' ? String(sample.timestampMs) : secondsFor(sample.timestampMs)}`;
  const ex = sample.exemplar;
  if (ex !== undefined && format === 'openmetrics') {
    line += ` # {${renderLabels(ex.labels, false)}} ${formatGoFloat(ex.value)}`;
    if (ex.timestampMs !== undefined) line += ` ${secondsFor(ex.timestampMs)}`;
  }
  return `${line}\n`;
}

/**
 * Writes the model in either format: each family's metadata before its first sample (TYPE always,
 * HELP and UNIT when not empty), samples in the given order, `# EOF` last in OpenMetrics. Text
 * 0.0.4 has no UNIT or exemplars and only five types, so those are left out or written `untyped`;
 * OpenMetrics timestamps are seconds. Family names are written as they are in the model, so a text
 * counter `x_total` stays `# TYPE x_total counter` (which the OpenMetrics parser here accepts, as
 * Prometheus does; renaming it to `x` would clash with a gauge `x`, as in Go's go_memstats_alloc_bytes).
 * The input is not validated: valid models give valid output.
 */
export function renderExposition(exposition: Exposition, format: ExpositionFormat): string {
  const order = new Map(exposition.families.map((f, i) => [f.name, i]));
  const withSamples = new Set(exposition.samples.map((s) => s.family));
  const written = new Set<string>();
  const parts: string[] = [];
  // Families without samples go out in their declared place: before the next declared family written.
  let next = 0;
  const writeUpTo = (index: number): void => {
    for (; next <= index && next < exposition.families.length; next++) {
      const family = exposition.families[next]!;
      if (written.has(family.name) || withSamples.has(family.name)) continue;
      written.add(family.name);
      parts.push(renderFamily(family, format));
    }
  };
  let last: string | undefined;
  for (const sample of exposition.samples) {
    if (sample.family !== last) {
      last = sample.family;
      const index = order.get(last);
      if (index !== undefined && !written.has(last)) {
        writeUpTo(index - 1);
        written.add(last);
        parts.push(renderFamily(exposition.families[index]!, format));
      }
    }
    parts.push(renderSample(sample, format));
  }
  next = 0;
  writeUpTo(exposition.families.length);
  if (format === 'openmetrics') parts.push('# EOF\n');
  return parts.join('');
}
