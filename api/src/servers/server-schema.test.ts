import { describe, expect, it } from 'vitest';
import { addressSchema, serverInputSchema, serverListQuerySchema, serverPatchSchema } from './server-schema.ts';

describe('server schemas', () => {
  it('takes exporter addresses as host:port', () => {
    for (const ok of ['web-1:9464', 'web-1.example.com:9100', '10.0.0.1:9464', '[::1]:9464', '[fd00::1]:1', 'build_agent-3.internal:65535']) {
      expect(addressSchema.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ['web-1', ':9464', 'web-1:', 'web-1:0', 'web-1:65536', 'http://web-1:9464', 'web-1:9464/metrics', '[::1]', 'fd00::1:9464', 'a b:1', '-web:1']) {
      expect(addressSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('refuses label names Prometheus would not take, or reserves', () => {
    expect(serverInputSchema.safeParse({ name: 'x', labels: { env: 'prod', _private: 'y', Rack2: 'z' } }).success).toBe(true);
    for (const name of ['2fast', 'a-b', 'a.b', '__name__', '']) {
      expect(serverInputSchema.safeParse({ name: 'x', labels: { [name]: 'v' } }).success, name).toBe(false);
    }
  });

  it('needs something to change in a patch, and nothing unknown', () => {
    expect(serverPatchSchema.safeParse({}).success).toBe(false);
    expect(serverPatchSchema.safeParse({ colour: 'red' }).success).toBe(false);
    expect(serverPatchSchema.parse({ address: null })).toEqual({ address: null });
  });

  it('reads list filters given once, repeated or comma-separated', () => {
    expect(serverListQuerySchema.parse({ status: 'up,down', label: ['env=prod', 'role=db,dc=eu'] })).toMatchObject({
      status: ['up', 'down'],
      label: ['env=prod', 'role=db', 'dc=eu'],
      sort: 'name',
      order: 'asc',
      limit: 1000,
      offset: 0,
    });
    expect(serverListQuerySchema.safeParse({ status: 'sideways' }).success).toBe(false);
    expect(serverListQuerySchema.safeParse({ label: 'env' }).success).toBe(false);
  });
});
