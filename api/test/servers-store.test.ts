import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { sdTargets } from '../src/sd/sd-targets.ts';
import { listServers } from '../src/servers/list-servers.ts';
import { serverListQuerySchema, serverListSchema, serverSchema } from '../src/servers/server-schema.ts';
import type { Server } from '../src/servers/server-schema.ts';
import { createServerStore } from '../src/servers/server-store.ts';
import type { ServerStore } from '../src/servers/server-store.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const MISSING = '00000000-0000-4000-8000-000000000000';

describe.each(testBackends())('servers on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let store: ServerStore;
  const servers = new Map<string, Server>();
  const parse = (text: string) => serverSchema.parse(JSON.parse(text));
  const list = async (query: Record<string, unknown> = {}) => serverListSchema.parse(JSON.parse(await listServers(storage.pool, serverListQuerySchema.parse(query))));
  const names = async (query: Record<string, unknown> = {}) => (await list(query)).items.map((s) => s.name);
  const snapshot = async (name: string, minutesAgo: number, cpu: number) => {
    await storage.pool.query(
      `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage) VALUES ($1, date_trunc('minute', now()) - make_interval(mins => $2::int), $3::float8, $3::float8 / 2)`,
      [servers.get(name)!.id, minutesAgo, cpu],
    );
  };

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    store = createServerStore(storage.pool);
    const inputs = [
      { name: 'web-1', hostname: 'web-1.example.com', address: 'web-1.example.com:9464', ipAddress: '10.0.0.1', labels: { env: 'prod', role: 'web' } },
      { name: 'web-2', address: '10.0.0.2:9464', labels: { env: 'staging', role: 'web' } },
      { name: 'db-1', address: '[fd00::1]:9100', ipAddress: 'fd00::1', labels: { env: 'prod', role: 'db' } },
      { name: 'spare' },
    ];
    for (const input of inputs) servers.set(input.name, parse(await store.create(input)));
    await storage.pool.query(`UPDATE servers SET status = 'up' WHERE name IN ('web-1', 'db-1')`);
    await storage.pool.query(`UPDATE servers SET status = 'down' WHERE name = 'web-2'`);
    // Older snapshots first; the newest one of each server must win.
    for (const [name, cpu] of [['web-1', 10], ['web-2', 20], ['db-1', 30]] as const) {
      for (let m = 60; m >= 0; m -= 5) await snapshot(name, m + cpu / 10, cpu + m);
    }
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('creates servers with every field and no snapshot yet', () => {
    const web1 = servers.get('web-1')!;
    expect(web1).toMatchObject({ name: 'web-1', hostname: 'web-1.example.com', address: 'web-1.example.com:9464', ipAddress: '10.0.0.1', status: 'unknown', labels: { env: 'prod', role: 'web' }, latest: null });
    expect(servers.get('spare')).toMatchObject({ hostname: null, address: null, ipAddress: null, labels: {} });
  });

  it('lists the whole fleet with the newest snapshot of each server', async () => {
    const fleet = await list();
    expect(fleet.total).toBe(4);
    const byName = new Map(fleet.items.map((s) => [s.name, s]));
    for (const [name, cpu, minutesAgo] of [['web-1', 10, 1], ['web-2', 20, 2], ['db-1', 30, 3]] as const) {
      const latest = byName.get(name)!.latest!;
      expect(latest.cpuUsage, name).toBe(cpu);
      expect(latest.memoryUsage, name).toBe(cpu / 2);
      const expected = Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000;
      expect(Math.abs(Date.parse(latest.timestamp) - expected), name).toBeLessThanOrEqual(60_000);
    }
    expect(byName.get('spare')!.latest).toBeNull();
    expect(byName.get('web-2')!.status).toBe('down');
  });

  it('filters by name, status and labels', async () => {
    expect(await names({ search: 'WEB' })).toEqual(['web-1', 'web-2']);
    expect(await names({ search: 'example.com' })).toEqual(['web-1']);
    expect(await names({ search: '%' })).toEqual([]);
    expect(await names({ status: 'up' })).toEqual(['db-1', 'web-1']);
    expect(await names({ status: 'down,unknown' })).toEqual(['spare', 'web-2']);
    expect(await names({ label: 'env=prod' })).toEqual(['db-1', 'web-1']);
    expect(await names({ label: ['env=prod', 'role=web'] })).toEqual(['web-1']);
    expect((await list({ label: 'env=none' })).total).toBe(0);
  });

  it('sorts, with servers lacking the value last, and pages with the total of all matches', async () => {
    expect(await names({ sort: 'cpuUsage', order: 'desc' })).toEqual(['db-1', 'web-2', 'web-1', 'spare']);
    expect(await names({ sort: 'cpuUsage' })).toEqual(['web-1', 'web-2', 'db-1', 'spare']);
    expect(await names({ sort: 'name', order: 'desc' })).toEqual(['web-2', 'web-1', 'spare', 'db-1']);
    const page = await list({ limit: 2, offset: 1 });
    expect(page.items.map((s) => s.name)).toEqual(['spare', 'web-1']);
    expect(page.total).toBe(4);
  });

  it('refuses a taken name or address with a code naming which', async () => {
    await expect(store.create({ name: 'web-1' })).rejects.toMatchObject({ status: 409, code: 'SERVER_NAME_TAKEN' });
    await expect(store.create({ name: 'web-9', address: 'web-1.example.com:9464' })).rejects.toMatchObject({ status: 409, code: 'SERVER_ADDRESS_TAKEN' });
    await expect(store.update(servers.get('web-2')!.id, { name: 'web-1' })).rejects.toMatchObject({ code: 'SERVER_NAME_TAKEN' });
  });

  it('patches only the given fields and replaces all of them', async () => {
    const id = servers.get('web-2')!.id;
    const patched = parse(await store.update(id, { hostname: 'web-2.example.com' }));
    expect(patched).toMatchObject({ name: 'web-2', hostname: 'web-2.example.com', address: '10.0.0.2:9464', labels: { env: 'staging', role: 'web' } });
    expect(patched.latest?.cpuUsage).toBe(20);
    expect(Date.parse(patched.updatedAt)).toBeGreaterThanOrEqual(Date.parse(servers.get('web-2')!.updatedAt));
    const replaced = parse(await store.replace(id, { name: 'web-2b', address: '10.0.0.2:9100' }));
    expect(replaced).toMatchObject({ name: 'web-2b', hostname: null, address: '10.0.0.2:9100', ipAddress: null, labels: {} });
  });

  it('answers SERVER_NOT_FOUND for an unknown id', async () => {
    await expect(store.get(MISSING)).rejects.toMatchObject({ status: 404, code: 'SERVER_NOT_FOUND' });
    await expect(store.update(MISSING, { name: 'x' })).rejects.toMatchObject({ status: 404, code: 'SERVER_NOT_FOUND' });
    await expect(store.replace(MISSING, { name: 'x' })).rejects.toMatchObject({ status: 404, code: 'SERVER_NOT_FOUND' });
    await expect(store.remove(MISSING)).rejects.toMatchObject({ status: 404, code: 'SERVER_NOT_FOUND' });
  });

  it('offers every server with an address to Prometheus service discovery', async () => {
    const groups = JSON.parse(await sdTargets(storage.pool)) as { targets: string[]; labels: Record<string, string> }[];
    const fleet = (await list()).items.filter((s) => s.address !== null);
    expect(groups.map((g) => g.targets)).toEqual(fleet.map((s) => [s.address]));
    const web1 = groups.find((g) => g.labels.__meta_sextant_server_name === 'web-1')!;
    expect(web1.labels).toEqual({
      env: 'prod',
      role: 'web',
      __meta_sextant_server_id: servers.get('web-1')!.id,
      __meta_sextant_server_name: 'web-1',
      __meta_sextant_hostname: 'web-1.example.com',
      __meta_sextant_ip_address: '10.0.0.1',
      __meta_sextant_status: 'up',
      __meta_sextant_label_env: 'prod',
      __meta_sextant_label_role: 'web',
    });
  });

  it('leaves label names Prometheus would refuse out of service discovery', async () => {
    // Written past the API's validation, as the ingester's own registrations are.
    await storage.pool.query(`INSERT INTO servers (name, address, labels) VALUES ('odd', 'odd:9464', '{"ok_name": "1", "bad-name": "2", "__reserved": "3"}')`);
    const groups = JSON.parse(await sdTargets(storage.pool)) as { targets: string[]; labels: Record<string, string> }[];
    const odd = groups.find((g) => g.labels.__meta_sextant_server_name === 'odd')!;
    expect(Object.keys(odd.labels).filter((k) => !k.startsWith('__meta_sextant_') || k.startsWith('__meta_sextant_label_')).sort()).toEqual(['__meta_sextant_label_ok_name', 'ok_name']);
    await storage.pool.query(`DELETE FROM servers WHERE name = 'odd'`);
  });

  it('deletes a server with its snapshots', async () => {
    const id = servers.get('db-1')!.id;
    await store.remove(id);
    await expect(store.get(id)).rejects.toMatchObject({ code: 'SERVER_NOT_FOUND' });
    const left = await storage.pool.query('SELECT 1 FROM metrics_snapshots WHERE server_id = $1', [id]);
    expect(left.rowCount).toBe(0);
  });
});
