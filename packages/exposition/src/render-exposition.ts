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
 * OpenMetrics timestamps are seconds. The input is not validated: valid models give valid output.
 */
export function renderExposition(exposition: Exposition, format: ExpositionFormat): string {
  const declared = new Map(exposition.families.map((f) => [f.name, f]));
  const written = new Set<string>();
  const parts: string[] = [];
  let last: string | undefined;
  for (const sample of exposition.samples) {
    if (sample.family !== last) {
      last = sample.family;
      const family = declared.get(last);
      if (family !== undefined && !written.has(last)) {
        written.add(last);
        parts.push(renderFamily(family, format));
      }
    }
    parts.push(renderSample(sample, format));
  }
  for (const family of exposition.families) if (!written.has(family.name)) parts.push(renderFamily(family, format));
  if (format === 'openmetrics') parts.push('# EOF\n');
  return parts.join('');
}
