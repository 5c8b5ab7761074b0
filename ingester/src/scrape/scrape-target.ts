import type { Labels } from '../write-batch.ts';

/** One endpoint to scrape, as discovery found it. */
export interface ScrapeTarget {
  /** `host:port`; becomes the `instance` label unless `labels` names one. */
  address: string;
  /** The `job` label. */
  job: string;
  /** More target labels (file_sd `labels`); they win over scraped labels of the same name. */
  labels: Labels;
  /** Sent as `Authorization: Bearer …` when set. */
  bearerToken?: string;
  /** Path to scrape; default `/metrics`. */
  metricsPath?: string;
  /** `http` (default) or `https`. */
  scheme?: 'http' | 'https';
}

/** The URL a target is scraped at. */
export function targetUrl(target: ScrapeTarget): string {
  return `${target.scheme ?? 'http'}://${target.address}${target.metricsPath ?? '/metrics'}`;
}

/** The labels Sextant attaches to every sample of `target` (compat §1.6): its own, `job` and `instance`. */
export function targetLabels(target: ScrapeTarget): Labels {
  const labels: Labels = { instance: target.address, ...target.labels, job: target.job };
  for (const [name, value] of Object.entries(labels)) if (value === '') delete labels[name];
  return labels;
}

/** Identity of a target: two targets with the same key are one scrape loop. */
export function targetKey(target: ScrapeTarget): string {
  const labels = targetLabels(target);
  const sorted = Object.keys(labels).sort().map((name) => [name, labels[name]]);
  return JSON.stringify([targetUrl(target), sorted]);
}
