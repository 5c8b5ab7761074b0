import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines with the level threshold applied', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', name: 'svc', destination: out.stream });
    log.info('hidden');
    log.child({ module: 'm' }).warn({ n: 1 }, 'shown');
    expect(out.lines()).toMatchObject([{ level: 40, name: 'svc', module: 'm', n: 1, msg: 'shown' }]);
  });

  it('redacts credentials wherever they appear', () => {
    const out = capture();
    createLogger({ destination: out.stream }).info(
      { password: 'p', user: { password: 'q', token: 't' }, headers: { authorization: 'Bearer x' }, databaseUrl: 'postgres://a:b@h/d' },
      'login',
    );
    const line = JSON.stringify(out.lines()[0]);
    for (const secret of ['"p"', '"q"', '"t"', 'Bearer x', 'a:b@']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });
});
