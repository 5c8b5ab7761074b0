import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMPOSE_DIR, composeText, envExample, filledEnv, interpolate, loadCompose, referencedInValues, volumeParts } from './compose-file.ts';
import { nodeFlags, SEXTANT_NODE_FLAGS } from '../../bench/reliability/sextant-process.ts';
import { GRAFANA_DIR, loadProvisioning } from './dashboards.ts';

// Must-show 3 (static part): compose.yaml is valid Compose, wired consistently, and every file it
// mounts exists. No Docker engine runs here, so nothing is started.

const run = promisify(execFile);
const compose = loadCompose();
const services = Object.entries(compose.services);
const SEXTANT_COMMANDS = new Set(['migrate', 'exporter', 'ingester', 'api', 'bridge', 'mqtt', 'up']);
const sextantServices = services.filter(([, s]) => s.image?.startsWith('sextant') === true);

describe('compose.yaml', () => {
  it('validates against the Compose specification JSON schema', () => {
    // The compose-spec schema as bundled by dclint (draft-07); its $schema URI is not one Ajv knows by that spelling.
    const require = createRequire(import.meta.url);
    const schemaPath = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
    const { $schema: _ignored, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('passes dclint (Compose best practices) as Compose sees it, interpolated', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sextant-dclint-'));
    try {
      await writeFile(path.join(dir, 'compose.yaml'), stringify(compose));
      const require = createRequire(import.meta.url);
      const cli = path.join(path.dirname(require.resolve('dclint/package.json')), 'bin/dclint.cjs');
      // One build tagged once and reused by every Sextant service is deliberate (build + image).
      const result = await run(process.execPath, [cli, path.join(dir, 'compose.yaml'), '--quiet', '--color', 'false', '--disable-rule', 'no-build-and-image']).then(
        (r) => ({ code: 0, out: r.stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
      );
      expect(result.out.trim()).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs TimescaleDB, Mosquitto, Prometheus, Alertmanager, Grafana and every Sextant process', () => {
    const images = services.map(([, s]) => s.image ?? '');
    for (const image of [/^timescale\/timescaledb(-ha)?:.*pg1[67]/, /^eclipse-mosquitto:/, /^prom\/prometheus:/, /^prom\/alertmanager:/, /^grafana\/grafana(-oss)?:/]) {
      expect(images.some((i) => image.test(i)), String(image)).toBe(true);
    }
    const commands = sextantServices.map(([, s]) => s.command?.[0]);
    expect(commands).toEqual(expect.arrayContaining(['migrate', 'exporter', 'ingester', 'api', 'bridge']));
    // One image for all of them, its entry point the CLI.
    expect(new Set(sextantServices.map(([, s]) => s.image)).size).toBe(1);
    for (const [name, s] of sextantServices) expect(SEXTANT_COMMANDS.has(s.command?.[0] ?? ''), name).toBe(true);
    // The database has TimescaleDB, so Grafana gets the TimescaleDB variant of its data source (§6.3).
    expect(compose.services.migrate!.environment?.SEXTANT_TIMESCALEDB).toBe('require');
    expect(compose.services.grafana!.volumes).toContain('../grafana/provisioning/postgres/timescaledb.yaml:/etc/grafana/provisioning/datasources/sextant-postgres.yaml:ro');
  });

  it('runs every Sextant process with the Node options the benches measured: image, services, shebang, npm scripts', () => {
    const root = path.join(COMPOSE_DIR, '..');
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(entrypoint).toEqual(['node', ...SEXTANT_NODE_FLAGS, 'cli/src/main.ts']);
    for (const [name, s] of sextantServices) {
      const command = s.command?.[0] as Parameters<typeof nodeFlags>[0];
      expect(s.entrypoint ?? entrypoint, name).toEqual(['node', ...nodeFlags(command), 'cli/src/main.ts']);
    }
    expect(readFileSync(path.join(root, 'cli/src/main.ts'), 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${SEXTANT_NODE_FLAGS.join(' ')}`);
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect([scripts.start, scripts.sextant]).toEqual(['exec cli/src/main.ts up', 'exec cli/src/main.ts']);
  });

  it('gives every long-running service a health check, and one-shot jobs a stated reason', () => {
    for (const [name, s] of services) {
      if (s.restart === 'no') {
        expect(s['x-healthcheck'], `${name}: one-shot job says why it has no health check`).toMatch(/one-shot/);
        continue;
      }
      expect(s.healthcheck?.test, `${name}: healthcheck`).toBeDefined();
      expect(s.healthcheck?.disable, name).not.toBe(true);
    }
  });

  it('depends only on services that exist, waiting for health or completion', () => {
    for (const [name, s] of services) {
      for (const [target, { condition }] of Object.entries(s.depends_on ?? {})) {
        const dependency = compose.services[target];
        expect(dependency, `${name} → ${target}`).toBeDefined();
        if (condition === 'service_healthy') expect(dependency!.healthcheck, `${name} waits for ${target} to be healthy`).toBeDefined();
        else expect(['service_completed_successfully', 'service_started'], `${name} → ${target}`).toContain(condition);
        if (condition === 'service_completed_successfully') expect(dependency!.restart, `${target} is a one-shot job`).toBe('no');
      }
    }
    // Nothing talks to the database before the migrations ran.
    for (const [name, s] of sextantServices) {
      if (s.environment?.DATABASE_URL !== undefined && name !== 'migrate') expect(s.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
    }
  });

  it('refers only to variables that .env.example lists, and .env.example lists none it does not use', () => {
    const example = envExample();
    const used = new Set([...referencedInValues(parse(composeText(), { merge: true })), ...Object.values(compose.secrets ?? {}).flatMap((s) => (s.environment === undefined ? [] : [s.environment]))]);
    expect([...used].filter((v) => !example.has(v)).sort()).toEqual([]);
    expect([...example.keys()].filter((v) => !used.has(v)).sort()).toEqual([]);
  });

  it('refuses to start without the required secrets', () => {
    expect(() => loadCompose(new Map())).toThrow(/set POSTGRES_PASSWORD in \.env/);
  });

  it('writes no secret: passwords, tokens and keys come from the environment', () => {
    const raw = parse(composeText(), { merge: true }) as { services: Record<string, { environment?: Record<string, unknown>; command?: unknown[] }> };
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN|KEY$/.test(key)) expect(String(value), `${name} ${key}`).toMatch(/^\$\{\w+/);
        if (key === 'DATABASE_URL') expect(String(value), `${name} ${key}`).toMatch(/:\$\{POSTGRES_PASSWORD\}@/);
      }
      for (const arg of s.command ?? []) if (/password=/.test(String(arg))) expect(String(arg), name).toMatch(/password=\$\{\w+/);
    }
    for (const secret of Object.values(compose.secrets ?? {})) expect(secret.file, 'secrets come from the environment, not files in the repository').toBeUndefined();
  });

  it('mounts only files and folders that exist, into named volumes declared at the top', () => {
    const flavours = ['timescaledb', 'postgresql'].map((flavour) => loadCompose(new Map([...filledEnv(), ['GRAFANA_POSTGRES_FLAVOR', flavour]])));
    for (const file of [compose, ...flavours]) {
      for (const [name, s] of Object.entries(file.services)) {
        for (const spec of s.volumes ?? []) {
          const { source, bind } = volumeParts(spec);
          if (!bind) {
            expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
            continue;
          }
          if (source === '/') continue; // the exporter's view of the host
          const resolved = path.resolve(COMPOSE_DIR, source);
          expect(existsSync(resolved), `${name}: ${source}`).toBe(true);
        }
      }
    }
  });

  it('publishes the contract ports (ARCHITECTURE.md) and binds the internal UIs to loopback', () => {
    const published = (name: string) => (compose.services[name]!.ports ?? []).map((p) => p.split(':').at(-1));
    expect(published('api')).toEqual(['8080']);
    expect(published('ingester')).toEqual(['9201']);
    expect(published('mosquitto')).toEqual(['1883']);
    expect(published('grafana')).toEqual(['3000']);
    expect(published('bridge')).toEqual([]);
    for (const name of ['prometheus', 'alertmanager']) for (const p of compose.services[name]!.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    expect(compose.services.exporter!.environment?.EXPORTER_PORT).toBe('9464');
    expect(compose.services.bridge!.environment?.BRIDGE_PORT).toBe('9095');
  });

  it('hands Prometheus the secrets its config reads', () => {
    const config = readFileSync(path.join(COMPOSE_DIR, 'prometheus.yml'), 'utf8');
    const files = [...config.matchAll(/credentials_file: (\S+)/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const secret = /^\/run\/secrets\/(\w+)$/.exec(file!)?.[1];
      expect(secret, file).toBeDefined();
      expect(compose.services.prometheus!.secrets, file).toContain(secret);
      expect(compose.secrets, file).toHaveProperty(secret!);
    }
  });

  it('gives Grafana every variable its provisioning files read, and mounts dashboards where the provider looks', () => {
    const grafana = compose.services.grafana!;
    const configs = [...loadProvisioning('datasources'), ...loadProvisioning('postgres'), ...loadProvisioning('dashboards')].map((f) => f.config);
    for (const name of referencedInValues(configs)) expect(grafana.environment, name).toHaveProperty(name);
    const provider = loadProvisioning('dashboards')[0]!.config.providers![0]!.options as { path: string };
    const dashboardsMount = (grafana.volumes ?? []).map(volumeParts).find((v) => path.resolve(COMPOSE_DIR, v.source) === path.join(GRAFANA_DIR, 'dashboards'));
    expect(dashboardsMount?.target).toBe(provider.path);
    expect(String(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).startsWith(`${provider.path}/`)).toBe(true);
    const home = path.join(GRAFANA_DIR, 'dashboards', path.basename(String(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)));
    expect(statSync(home).isFile()).toBe(true);
    expect(String(grafana.environment?.SEXTANT_API_URL)).toBe('http://api:8080');
  });

  it('interpolates like Compose', () => {
    const env = new Map([['A', 'x'], ['E', '']]);
    expect(interpolate('$A ${A} ${B:-d} ${E:-d} ${E-d} ${A:+y} $$A', env)).toBe('x x d d  y $A');
    expect(() => interpolate('${E:?need E}', env)).toThrow('E: need E');
  });
});

