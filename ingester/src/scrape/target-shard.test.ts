import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { shardOf } from './target-shard.ts';

describe('shardOf', () => {
  it('is the hashmod of the address: last 8 bytes of its MD5, modulo', () => {
    const address = '10.0.0.7:9100';
    const tail = BigInt(`0x${createHash('md5').update(address).digest('hex').slice(16)}`);
    expect(shardOf(address, 3)).toBe(Number(tail % 3n));
    expect(shardOf(address, 1)).toBe(0);
  });

  it('splits many targets over every shard', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[shardOf(`host-${i}:9100`, 4)]!++;
    expect(counts.every((n) => n > 60)).toBe(true);
  });
});
