import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mosquittoFiles, mosquittoPasswordLine } from './mosquitto-files.ts';

describe('Mosquitto files', () => {
  it('hash passwords as mosquitto_passwd 2.0 does ($7$ = PBKDF2-SHA512)', () => {
    // A line written by `mosquitto_passwd -b` 2.0.11 for alice / secret123.
    const reference = 'alice:$7$101$KMHu2WMO0FizRAkw$qf1AjstGJkfFlwNDZRBPGHlTVU8JJ2HNqFrz2lsMMMnb//m2Xwk6w1vMmShEXmjVy0dh3GDrIxEaoK2dT0R1gw==';
    expect(mosquittoPasswordLine('alice', 'secret123', { salt: Buffer.from('KMHu2WMO0FizRAkw', 'base64') })).toBe(reference);
    const [, , iterations, salt, hash] = mosquittoPasswordLine('bob', 'pw').split('$') as [string, string, string, string, string];
    expect(Number(iterations)).toBe(101);
    expect(Buffer.from(salt, 'base64')).toHaveLength(12);
    expect(pbkdf2Sync('pw', Buffer.from(salt, 'base64'), 101, 64, 'sha512').toString('base64')).toBe(hash);
  });

  it('refuse user names Mosquitto cannot hold', () => {
    expect(() => mosquittoPasswordLine('a:b', 'x')).toThrow(TypeError);
    expect(() => mosquittoPasswordLine('', 'x')).toThrow(TypeError);
  });

  it('let only the publisher write under sextant/', () => {
    const files = mosquittoFiles({ publisher: { username: 'sextant', password: 'p' }, subscribers: [{ username: 'vera', password: 't' }] });
    expect(files.passwd.trim().split('\n').map((l) => l.split(':')[0])).toEqual(['sextant', 'vera']);
    expect(files.acl).toContain('user sextant\ntopic readwrite sextant/#');
    expect(files.acl).toContain('user vera\ntopic read sextant/v1/#');
    expect(files.acl).not.toMatch(/user vera\n(topic .*\n)*topic (write|readwrite) sextant/);
    expect(() => mosquittoFiles({ publisher: { username: 'x', password: 'p' }, subscribers: [{ username: 'x', password: 't' }] })).toThrow(TypeError);
  });
});
