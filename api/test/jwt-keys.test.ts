import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, describe, expect, it } from 'vitest';
import { loadJwtKeys, signAccessToken, verifyAccessToken } from '../src/index.ts';
import { startTestApi } from './harness.ts';

describe('loadJwtKeys', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('generates a secret once, keeps it with mode 0600, and reuses it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sextant-keys-'));
    dirs.push(dir);
    const config = { SEXTANT_DATA_DIR: path.join(dir, 'data'), JWT_SECRET: undefined, JWT_PUBLIC_KEY: undefined, JWT_PRIVATE_KEY: undefined };
    const first = await loadJwtKeys(config);
    const second = await loadJwtKeys(config);
    expect(first.algorithm).toBe('HS256');
    expect(first.signingKey.length).toBeGreaterThanOrEqual(64);
    expect(second.signingKey).toBe(first.signingKey);
    const file = path.join(config.SEXTANT_DATA_DIR, 'jwt-secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.signingKey);
  });

  it('uses JWT_SECRET when set', async () => {
    const keys = await loadJwtKeys({ SEXTANT_DATA_DIR: '/nonexistent', JWT_SECRET: 's'.repeat(40), JWT_PUBLIC_KEY: undefined, JWT_PRIVATE_KEY: undefined });
    expect(keys.signingKey).toBe('s'.repeat(40));
  });

  it('with ES256 keys, refuses HS256 tokens made with the public key (algorithm confusion) and alg:none', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keys = await loadJwtKeys({ SEXTANT_DATA_DIR: '/nonexistent', JWT_SECRET: undefined, JWT_PUBLIC_KEY: pub, JWT_PRIVATE_KEY: priv });
    expect(keys.algorithm).toBe('ES256');
    const user = { id: '00000000-0000-4000-8000-000000000001', username: 'u', role: 'admin' as const };
    const good = signAccessToken(keys, user);
    expect(jwt.decode(good, { complete: true })!.header.alg).toBe('ES256');
    expect(verifyAccessToken(keys, good)).toMatchObject({ sub: user.id, role: 'admin' });
    // jsonwebtoken itself refuses to HMAC-sign with an asymmetric PEM, so forge the HS256 token by hand.
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: user.id, name: 'u', role: 'admin', iss: 'sextant', aud: 'sextant-api', exp: Math.floor(Date.now() / 1000) + 600 })}`;
    const confused = `${body}.${createHmac('sha256', pub).update(body).digest('base64url')}`;
    expect(verifyAccessToken(keys, confused)).toBeNull();
    expect(verifyAccessToken(keys, `${part({ alg: 'none' })}.${body.split('.')[1]}.`)).toBeNull();
    await expect(loadJwtKeys({ SEXTANT_DATA_DIR: '/x', JWT_SECRET: undefined, JWT_PUBLIC_KEY: pub, JWT_PRIVATE_KEY: undefined })).rejects.toThrow(/together/);
  });

  it('an ES256 API accepts its own tokens and refuses HS256 ones keyed with its public key', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keys = await loadJwtKeys({ SEXTANT_DATA_DIR: '/nonexistent', JWT_SECRET: undefined, JWT_PUBLIC_KEY: pub, JWT_PRIVATE_KEY: priv });
    const t = await startTestApi({ keys });
    try {
      const login = await t.request('/api/auth/login', { method: 'POST', body: { username: 'viewer', password: t.users.viewer.password } });
      expect(jwt.decode(login.body.accessToken as string, { complete: true })!.header.alg).toBe('ES256');
      expect((await t.request('/api/me', { token: login.body.accessToken as string })).status).toBe(200);
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const claims = { sub: t.users.admin.id, name: 'admin', role: 'admin', iss: 'sextant', aud: 'sextant-api', exp: Math.floor(Date.now() / 1000) + 600 };
      const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
      const confused = `${body}.${createHmac('sha256', pub).update(body).digest('base64url')}`;
      const refused = await t.request('/api/me', { token: confused });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('UNAUTHENTICATED');
    } finally {
      await t.close();
    }
  });
});
