import type { Family, Labels, MetricType } from './metric-family.ts';

/** The two text formats Sextant writes (compat §1.2, §1.3). */
export type ExpositionFormat = 'text-0.0.4' | 'openmetrics-1.0.0' | 'openmetrics-0.0.1';

/** Go-style float text: `NaN`, `+Inf`, `-Inf`, otherwise the shortest round-trip JS form. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const LABEL_VALUE_ESCAPE = /[\\"\n]/g;
const HELP_ESCAPE_TEXT = /[\\\n]/g;
const HELP_ESCAPE_OM = /[\\"\n]/g;

function escapeChar(c: string): string {
  return c === '\n' ? '\\n' : `\\${c}`;
}

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  if (names.length > 1) names.sort();
  let out = '{';
  let first = true;
  for (const name of names) {
    const value = labels[name] ?? '';
    // An empty label value is the same as no label (data_model.md); node_exporter writes them, so do we.
    out += `${first ? '' : ','}${name}="${value.replace(LABEL_VALUE_ESCAPE, escapeChar)}"`;
    first = false;
  }
  return `${out}}`;
}

function omType(fam: Family): string {
  const map: Record<MetricType, string> = {
    counter: 'counter',
    gauge: 'gauge',
    untyped: 'unknown',
    histogram: 'histogram',
    summary: 'summary',
  };
  // An OpenMetrics counter's samples must end in `_total`; anything else is exposed as unknown.
  if (fam.type === 'counter' && !fam.name.endsWith('_total')) return 'unknown';
  return map[fam.type];
}

/**
 * Writes families as Prometheus text 0.0.4 or OpenMetrics text. Families are sorted by name (as
 * node_exporter does), labels by name; an OpenMetrics counter's TYPE/HELP name the family without
 * `_total` and the exposition ends with `# EOF`.
 */
export function serializeExposition(families: Iterable<Family>, format: ExpositionFormat): string {
  const om = format !== 'text-0.0.4';
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: string[] = [];
  for (const fam of sorted) {
    if (fam.samples.length === 0) continue;
    if (om) {
      const type = omType(fam);
      const metaName = type === 'counter' ? fam.name.slice(0, -'_total'.length) : fam.name;
      parts.push(`# TYPE ${metaName} ${type}\n`);
      if (fam.help !== '') parts.push(`# HELP ${metaName} ${fam.help.replace(HELP_ESCAPE_OM, escapeChar)}\n`);
    } else {
      parts.push(`# HELP ${fam.name} ${fam.help.replace(HELP_ESCAPE_TEXT, escapeChar)}\n`);
      parts.push(`# TYPE ${fam.name} ${fam.type}\n`);
    }
    for (const s of fam.samples) {
      parts.push(`${fam.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}\n`);
    }
  }
  if (om) parts.push('# EOF\n');
  return parts.join('');
}
