import { glob, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ScrapeTarget } from './scrape-target.ts';

// Prometheus's file_sd format (`discovery/file`): a list of target groups, in JSON or YAML.
const targetGroups = z.array(
  z.object({
    targets: z.array(z.string().min(1)),
    labels: z.record(z.string(), z.string()).optional(),
  }),
);

/** A file_sd file that cannot be read as target groups; its targets are left as they were. */
export class FileSdError extends Error {
  readonly code = 'FILE_SD_INVALID';
  readonly file: string;

  constructor(file: string, message: string, options: { cause?: unknown } = {}) {
    super(`${file}: ${message}`, { cause: options.cause });
    this.name = 'FileSdError';
    this.file = file;
  }
}

/** The files `patterns` name now (each a path or a glob), sorted. */
export async function expandFileSd(patterns: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    if (!/[*?[{]/.test(pattern)) {
      files.add(path.resolve(pattern));
      continue;
    }
    for await (const file of glob(pattern)) files.add(path.resolve(file));
  }
  return [...files].sort();
}

/**
 * The targets of one file_sd file. `job`, `__metrics_path__` and `__scheme__` labels set the
 * target's job, path and scheme; other `__`-prefixed labels are dropped, as relabeling would drop
 * them in Prometheus.
 */
export async function readFileSd(file: string, defaultJob: string): Promise<ScrapeTarget[]> {
  let groups: z.output<typeof targetGroups>;
  try {
    const text = await readFile(file, 'utf8');
    const data: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
    groups = targetGroups.parse(data ?? []);
  } catch (err) {
    throw new FileSdError(file, (err as Error).message, { cause: err });
  }
  const targets: ScrapeTarget[] = [];
  for (const group of groups) {
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(group.labels ?? {})) if (!name.startsWith('__') && name !== 'job') labels[name] = value;
    const job = group.labels?.job ?? defaultJob;
    const extra: Pick<ScrapeTarget, 'metricsPath' | 'scheme'> = {};
    if (group.labels?.__metrics_path__ !== undefined) extra.metricsPath = group.labels.__metrics_path__;
    if (group.labels?.__scheme__ === 'https') extra.scheme = 'https';
    for (const address of group.targets) targets.push({ address, job, labels, ...extra });
  }
  return targets;
}
