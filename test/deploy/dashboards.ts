import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The repository root (this file is test/deploy/dashboards.ts). */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const GRAFANA_DIR = path.join(ROOT, 'grafana');

// Loose shapes of Grafana's classic dashboard JSON (prometheus-compat.md §6.5): only what the tests read.
export interface DataSourceRef {
  type?: string;
  uid?: string;
}
export interface Target {
  refId?: string;
  datasource?: DataSourceRef;
  rawSql?: string;
  format?: string;
  expr?: string;
  [key: string]: unknown;
}
export interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { h?: number; w?: number; x?: number; y?: number };
  datasource?: DataSourceRef;
  targets?: Target[];
  panels?: Panel[];
  [key: string]: unknown;
}
export interface TemplateVariable {
  type?: string;
  name?: string;
  datasource?: DataSourceRef;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  [key: string]: unknown;
}
export interface Annotation {
  name?: string;
  builtIn?: number;
  datasource?: DataSourceRef;
  target?: Target;
  [key: string]: unknown;
}
export interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: TemplateVariable[] };
  annotations?: { list?: Annotation[] };
  [key: string]: unknown;
}

export interface DashboardFile {
  file: string;
  text: string;
  dashboard: Dashboard;
}

/** Every dashboard in grafana/dashboards, parsed. */
export function loadDashboards(): DashboardFile[] {
  const dir = path.join(GRAFANA_DIR, 'dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      return { file, text, dashboard: JSON.parse(text) as Dashboard };
    });
}

/** Panels, with those nested in collapsed rows. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** One SQL query of a dashboard: a panel target, a query variable or an annotation. */
export interface SqlQuery {
  where: string;
  kind: 'panel' | 'variable' | 'annotation';
  panelType?: string;
  format: string;
  rawSql: string;
}

const isSqlSource = (ref: DataSourceRef | undefined) => ref?.type === 'grafana-postgresql-datasource' || ref?.type === 'postgres';

/** Every SQL the dashboard sends to the PostgreSQL data source. */
export function sqlQueries(dashboard: Dashboard): SqlQuery[] {
  const queries: SqlQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (!isSqlSource(target.datasource ?? panel.datasource) || typeof target.rawSql !== 'string') continue;
      queries.push({ where: `panel "${panel.title}" ${target.refId}`, kind: 'panel', panelType: panel.type, format: target.format ?? 'time_series', rawSql: target.rawSql });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'query' && isSqlSource(variable.datasource) && typeof variable.query === 'string') {
      queries.push({ where: `variable $${variable.name}`, kind: 'variable', format: 'table', rawSql: variable.query });
    }
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (isSqlSource(annotation.datasource) && typeof annotation.target?.rawSql === 'string') {
      queries.push({ where: `annotation "${annotation.name}"`, kind: 'annotation', format: 'table', rawSql: annotation.target.rawSql });
    }
  }
  return queries;
}

/** One PromQL expression of a dashboard. */
export interface PromQuery {
  where: string;
  expr: string;
  instant: boolean;
}

/** Every PromQL expression the dashboard sends to a Prometheus data source (panels only). */
export function promQueries(dashboard: Dashboard): PromQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => (t.datasource ?? panel.datasource)?.type === 'prometheus' && typeof t.expr === 'string')
      .map((t) => ({ where: `panel "${panel.title}" ${t.refId}`, expr: t.expr!, instant: t.instant === true })),
  );
}

/** A data source as provisioned. */
export interface ProvisionedDataSource {
  name: string;
  type: string;
  uid: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ProvisioningFile {
  file: string;
  text: string;
  config: { apiVersion?: number; datasources?: ProvisionedDataSource[]; providers?: Record<string, unknown>[]; [key: string]: unknown };
}

/** The YAML files of one grafana/provisioning sub-folder. */
export function loadProvisioning(folder: string): ProvisioningFile[] {
  const dir = path.join(GRAFANA_DIR, 'provisioning', folder);
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      return { file: path.join(folder, file), text, config: parse(text) as ProvisioningFile['config'] };
    });
}
