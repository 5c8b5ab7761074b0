import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatGoFloat } from '@sextant/exposition';
import type { Collector } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { groupTextfileFamilies } from '../group-textfile-families.ts';
import type { ParsedFamily } from '../group-textfile-families.ts';

const MTIME = family('node_textfile_mtime_seconds', 'gauge', 'Unixtime mtime of textfiles successfully read.');
const SCRAPE_ERROR = family(
  'node_textfile_scrape_error',
  'gauge',
  '1 if there was an error opening or reading a file, 0 otherwise',
);
// Bounds one scrape's work whatever lands in the directory.
const MAX_FILES = 1000;

// Go's strconv.FormatFloat(v, 'g', -1, 64), which client_golang uses for `le` and `quantile` values.
export { formatGoFloat };

/**
 * Adds one parsed file's families as node_exporter's textfile collector does: every series gets the
 * union of the family's label names (missing ones empty), a missing HELP becomes
 * `Metric read from <file>`, histograms and summaries are written like client_golang's const metrics.
 * A family whose type clashes with one already added is left out.
 */
export function addTextfileFamilies(families: Map<string, ParsedFamily>, file: string, out: FamilySet): void {
  for (const fam of families.values()) {
    const existing = out.families.get(fam.name);
    if (existing !== undefined && existing.type !== fam.type) continue;
    const spec: FamilySpec = family(fam.name, fam.type, fam.help ?? `Metric read from ${file}`);
    const names = new Set<string>();
    for (const m of fam.metrics) for (const k of Object.keys(m.labels)) names.add(k);
    for (const m of fam.metrics) {
      const labels: Record<string, string> = {};
      for (const k of names) labels[k] = m.labels[k] ?? '';
      if (fam.type !== 'histogram' && fam.type !== 'summary') {
        out.add(spec, m.value, labels);
        continue;
      }
      const special = fam.type === 'histogram' ? 'le' : 'quantile';
      const points = [...m.points].sort((a, b) => a[0] - b[0]);
      if (fam.type === 'histogram' && points.at(-1)?.[0] !== Infinity) points.push([Infinity, m.count]);
      for (const [bound, v] of points) {
        out.add(spec, v, { ...labels, [special]: formatGoFloat(bound) }, fam.type === 'histogram' ? '_bucket' : undefined);
      }
      out.add(spec, m.sum, labels, '_sum');
      out.add(spec, m.count, labels, '_count');
    }
  }
}

export interface TextfileOptions {
  /** Directory of `*.prom` files (node_exporter's --collector.textfile.directory). */
  directory: string;
}

/**
 * node_exporter's `textfile` collector: the families of every `*.prom` file in the directory,
 * `node_textfile_mtime_seconds{file}` for each file read, and `node_textfile_scrape_error` (1 when
 * the directory or any file could not be read or parsed, or a file has timestamps; such a file is
 * skipped whole). Files are on a real disk, so they are read asynchronously.
 */
export function createTextfileCollector(options: TextfileOptions): Collector {
  return {
    name: 'textfile',
    async collect(out: FamilySet, signal: AbortSignal) {
      let errored = false;
      let names: string[] = [];
      try {
        names = (await readdir(options.directory)).filter((n) => n.endsWith('.prom')).sort().slice(0, MAX_FILES);
      } catch {
        errored = true;
      }
      const mtimes: [string, number][] = [];
      for (const name of names) {
        signal.throwIfAborted();
        const file = path.join(options.directory, name);
        try {
          const families = groupTextfileFamilies(await readFile(file, { encoding: 'utf8', signal }));
          for (const fam of families.values()) {
            if (fam.metrics.some((m) => m.timestampMs !== undefined)) throw new Error('client-side timestamps');
          }
          // Stat only after a good parse, so that a failed file does not look fresh (as node_exporter).
          const { mtimeMs } = await stat(file);
          addTextfileFamilies(families, file, out);
          mtimes.push([file, Math.floor(mtimeMs / 1000)]);
        } catch {
          errored = true;
        }
      }
      for (const [file, mtime] of mtimes) out.add(MTIME, mtime, { file });
      out.add(SCRAPE_ERROR, errored ? 1 : 0);
    },
  };
}
