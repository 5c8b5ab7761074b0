import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEXTANT_NODE_FLAGS } from '../../bench/reliability/sextant-process.ts';
import { loadCompose } from './compose-file.ts';
import { ROOT } from './dashboards.ts';

// The Dockerfile, read statically (no Docker engine here): Node 24 base, production-only
// dependencies from the lockfile, a non-root user, the CLI as entry point.

interface Instruction {
  op: string;
  args: string;
}

/** Instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const all = instructions(text);
const stages: { name: string; from: string; body: Instruction[] }[] = [];
for (const ins of all) {
  if (ins.op === 'FROM') {
    const [from = '', , name = ''] = ins.args.split(/\s+/);
    stages.push({ name, from, body: [] });
  } else {
    stages.at(-1)?.body.push(ins);
  }
}
const final = stages.at(-1)!;
const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];

describe('Dockerfile', () => {
  it('builds every stage on the Node 24 Debian bookworm slim image', () => {
    expect(nodeImage).toBe('node:24-bookworm-slim');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from, stage.name).toBe('${NODE_IMAGE}');
  });

  it('installs production dependencies exactly from the lockfile', () => {
    const deps = stages.find((s) => s.body.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args)));
    expect(deps, 'a stage runs npm ci --omit=dev').toBeDefined();
    expect(all.some((i) => i.op === 'RUN' && /npm install|npm i /.test(i.args))).toBe(false);
    expect(final.body.some((i) => i.op === 'COPY' && i.args.startsWith(`--from=${deps!.name} `))).toBe(true);
    // The UI stage installs dev dependencies but only its build output reaches the final image.
    const fromUi = final.body.filter((i) => i.op === 'COPY' && i.args.startsWith('--from=ui '));
    expect(fromUi.map((i) => i.args)).toEqual(['--from=ui /app/ui/dist ./ui/dist']);
  });

  it('copies only from stages that exist', () => {
    const names = new Set(stages.map((s) => s.name));
    for (const ins of all.filter((i) => i.op === 'COPY' && i.args.startsWith('--from='))) {
      expect(names.has(/^--from=(\S+)/.exec(ins.args)![1]!), ins.args).toBe(true);
    }
  });

  it('runs as a non-root user with the CLI as entry point', () => {
    const users = final.body.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const entrypoint = final.body.find((i) => i.op === 'ENTRYPOINT')!;
    expect(JSON.parse(entrypoint.args)).toEqual(['node', ...SEXTANT_NODE_FLAGS, 'cli/src/main.ts']);
    expect(existsSync(path.join(ROOT, 'cli/src/main.ts'))).toBe(true);
    // Instructions after USER run unprivileged; root work (mkdir, chown) comes before it.
    const userAt = final.body.findIndex((i) => i.op === 'USER');
    expect(final.body.slice(userAt).some((i) => i.op === 'RUN')).toBe(false);
  });

  it('listens on all interfaces in a container and exposes the contract ports (ARCHITECTURE.md)', () => {
    const env = final.body.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    for (const name of ['API_HOST', 'EXPORTER_HOST', 'INGESTER_HOST', 'BRIDGE_HOST', 'MQTT_HOST']) expect(env, name).toContain(`${name}=0.0.0.0`);
    expect(env).toContain('SEXTANT_DATA_DIR=/var/lib/sextant');
    const exposed = final.body.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).sort();
    expect(exposed).toEqual(['1883', '8080', '9095', '9201', '9464']);
  });

  it('is what compose builds, with dependencies, data and secrets kept out of the context', () => {
    for (const [name, service] of Object.entries(loadCompose().services)) {
      const build = service.build as { context?: string; dockerfile?: string } | undefined;
      if (build === undefined) continue;
      expect(path.resolve(ROOT, 'compose', build.context!), name).toBe(ROOT);
      expect(build.dockerfile, name).toBe('Dockerfile');
    }
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const pattern of ['**/node_modules', 'data', '.git', '**/.env']) expect(ignored, pattern).toContain(pattern);
  });
});
