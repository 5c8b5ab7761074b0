import { describe, expect, it } from 'vitest';
import { allPanels, loadDashboards, loadProvisioning, promQueries, sqlQueries } from './dashboards.ts';
import type { DataSourceRef, ProvisionedDataSource } from './dashboards.ts';

// Must-show 2 of the Grafana work: the provisioning files and dashboards hang together — fixed,
// unique uids; every data source a dashboard names is provisioned; the classic JSON shape Grafana
// 10–12 loads from files (prometheus-compat.md §6.1, §6.2, §6.5).

const dashboards = loadDashboards();
const common = loadProvisioning('datasources');
const postgresVariants = loadProvisioning('postgres');
const providers = loadProvisioning('dashboards');

/** What Grafana loads: datasources/*.yaml plus the one PostgreSQL variant the deployment picks. */
const provisioned = (variant: string): ProvisionedDataSource[] => [
  ...common.flatMap((f) => f.config.datasources ?? []),
  ...postgresVariants.filter((f) => f.file.endsWith(`/${variant}.yaml`)).flatMap((f) => f.config.datasources ?? []),
];
const datasources = provisioned('timescaledb');
const BUILT_IN = new Set(['-- Grafana --', 'grafana']);
// The PostgreSQL plugin's id and its alias (plugin.json aliasIDs, §6.1).
const sameType = (a: string | undefined, b: string) => a === b || (a === 'postgres' && b === 'grafana-postgresql-datasource') || (b === 'postgres' && a === 'grafana-postgresql-datasource');

describe('data source provisioning', () => {
  it('every file is apiVersion 1 YAML', () => {
    for (const f of [...common, ...postgresVariants, ...providers]) expect(f.config.apiVersion, f.file).toBe(1);
  });

  it('uids are fixed and unique, names unique, in each deployable combination', () => {
    for (const variant of ['timescaledb', 'postgresql']) {
      const list = provisioned(variant);
      expect(list.map((d) => d.uid).every((u) => typeof u === 'string' && /^[a-zA-Z0-9_-]{1,40}$/.test(u)), variant).toBe(true);
      expect(new Set(list.map((d) => d.uid)).size, variant).toBe(list.length);
      expect(new Set(list.map((d) => d.name)).size, variant).toBe(list.length);
      expect(list.filter((d) => d.isDefault === true), variant).toHaveLength(1);
    }
  });

  it('the two PostgreSQL variants differ only in the TimescaleDB switch (§6.3)', () => {
    const [plain, timescale] = ['postgresql', 'timescaledb'].map((v) => postgresVariants.find((f) => f.file.endsWith(`/${v}.yaml`))!.config.datasources!);
    expect(plain).toHaveLength(1);
    expect(plain![0]!.jsonData?.timescaledb).toBe(false);
    expect(timescale![0]!.jsonData?.timescaledb).toBe(true);
    expect({ ...timescale![0], jsonData: { ...timescale![0]!.jsonData, timescaledb: false } }).toEqual(plain![0]);
    expect(plain![0]!.type).toBe('grafana-postgresql-datasource');
  });

  it('the Prometheus-compatible source points at the API base and authenticates with a token from the environment', () => {
    const api = datasources.find((d) => d.uid === 'sextant-api')!;
    expect(api.type).toBe('prometheus');
    // Grafana appends /api/v1/query…: the URL must not end in /api/v1 (§4.3).
    expect(api.url).not.toMatch(/\/api\/v1\/?$/);
    expect(api.jsonData?.httpHeaderName1).toBe('Authorization');
    expect(api.secureJsonData?.httpHeaderValue1).toMatch(/^Bearer \$\{\w+\}$/);
    expect(api.jsonData?.timeInterval).toBeDefined();
  });

  it('no secret is written in a provisioning file: secure values come from the environment', () => {
    for (const d of [...datasources, ...provisioned('postgresql')]) {
      for (const [key, value] of Object.entries(d.secureJsonData ?? {})) expect(String(value), `${d.uid} ${key}`).toMatch(/\$\{\w+\}/);
    }
  });

  it('one dashboard provider, file-based, with a fixed folder', () => {
    const list = providers.flatMap((f) => f.config.providers ?? []);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ type: 'file', folder: 'Sextant', folderUid: 'sextant', allowUiUpdates: false });
    expect((list[0]!.options as { path?: string }).path).toMatch(/^\//);
  });
});

describe.each(dashboards)('dashboard $file', ({ dashboard, text }) => {
  const resolves = (ref: DataSourceRef | undefined, where: string) => {
    expect(ref, `${where}: datasource by reference`).toBeTypeOf('object');
    if (BUILT_IN.has(ref!.uid ?? '')) return;
    const found = datasources.find((d) => d.uid === ref!.uid);
    expect(found, `${where}: uid ${ref!.uid} is provisioned`).toBeDefined();
    expect(sameType(ref!.type, found!.type), `${where}: type ${ref!.type} matches ${found!.type}`).toBe(true);
  };

  it('is classic JSON Grafana provisions from a file (§6.5)', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    expect(dashboard.id).toBeNull();
    expect(dashboard).not.toHaveProperty('__inputs');
    expect(text).not.toMatch(/\$\{DS_|__inputs/);
    expect(dashboard.title).toMatch(/^Sextant \/ /);
    expect(Array.isArray(dashboard.panels) && dashboard.panels.length > 0).toBe(true);
    expect(dashboard.annotations?.list?.some((a) => a.builtIn === 1)).toBe(true);
  });

  it('panels have unique ids, a place on the 24-column grid and targets with refIds', () => {
    const panels = allPanels(dashboard);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      const where = `panel ${p.id} "${p.title}"`;
      expect(Number.isInteger(p.id), where).toBe(true);
      expect(typeof p.title === 'string' && p.title !== '', where).toBe(true);
      const g = p.gridPos!;
      expect([g.h, g.w, g.x, g.y].every((n) => Number.isInteger(n) && n! >= 0), where).toBe(true);
      expect(g.x! + g.w! <= 24 && g.w! > 0 && g.h! > 0, where).toBe(true);
      if (p.type === 'row') continue;
      expect(['timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text', 'piechart', 'barchart', 'state-timeline', 'heatmap']).toContain(p.type);
      expect(p.fieldConfig, where).toHaveProperty('defaults');
      resolves(p.datasource, where);
      const targets = p.targets ?? [];
      expect(targets.length, where).toBeGreaterThan(0);
      expect(new Set(targets.map((t) => t.refId)).size, where).toBe(targets.length);
      for (const t of targets) {
        expect(t.refId, where).toMatch(/^[A-Z]$/);
        resolves(t.datasource ?? p.datasource, `${where} ${t.refId}`);
        const isSql = typeof t.rawSql === 'string';
        expect(isSql !== (typeof t.expr === 'string'), `${where} ${t.refId}: SQL or PromQL`).toBe(true);
        if (isSql) expect(['time_series', 'table'], where).toContain(t.format);
      }
    }
  });

  it('panels do not overlap', () => {
    const cells = new Set<string>();
    for (const p of allPanels(dashboard)) {
      const g = p.gridPos!;
      for (let x = g.x!; x < g.x! + g.w!; x++) {
        for (let y = g.y!; y < g.y! + g.h!; y++) {
          expect(cells.has(`${x},${y}`), `panel "${p.title}" overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('variables and annotations name provisioned data sources', () => {
    for (const v of dashboard.templating?.list ?? []) {
      expect(v.name, 'variable name').toMatch(/^\w+$/);
      if (v.type === 'query') resolves(v.datasource, `variable ${v.name}`);
    }
    for (const a of dashboard.annotations?.list ?? []) resolves(a.datasource, `annotation ${a.name}`);
  });

  it('has queries for its data sources', () => {
    expect(sqlQueries(dashboard).length + promQueries(dashboard).length).toBeGreaterThan(0);
  });
});

describe('dashboards together', () => {
  it('have unique uids and titles', () => {
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
    expect(new Set(dashboards.map((d) => d.dashboard.title)).size).toBe(dashboards.length);
  });

  it('include fleet, server detail, alerts and self-monitoring', () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual(['sextant-alerts', 'sextant-fleet', 'sextant-self', 'sextant-server']);
  });

  it('links only to dashboards that exist', () => {
    const uids = new Set(dashboards.map((d) => d.dashboard.uid));
    for (const { file, text } of dashboards) {
      for (const [, uid] of text.matchAll(/\/d\/([\w-]+)/g)) expect(uids.has(uid), `${file} links to /d/${uid}`).toBe(true);
    }
  });
});
