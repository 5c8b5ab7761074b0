import { createHash } from 'node:crypto';

/**
 * Which of `shards` ingesters scrapes `address`: Prometheus's `hashmod` relabel action
 * (`model/relabel/relabel.go`: the last 8 bytes of the MD5 of the value, big-endian, modulo),
 * so Sextant ingesters and Prometheus servers sharded the same way split targets alike.
 */
export function shardOf(address: string, shards: number): number {
  const digest = createHash('md5').update(address).digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(shards));
}
