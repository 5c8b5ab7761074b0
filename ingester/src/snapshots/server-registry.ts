import { isIP } from 'node:net';
import type pg from 'pg';

/** Maps an `instance` label to its server, registering servers for instances never seen. */
export interface ServerRegistry {
  /** The server of `instance`, if one is registered (an unknown answer is remembered briefly). */
  lookup(instance: string): Promise<string | undefined>;
  /**
   * The server of `instance`, registered when unknown: named after `nodename` (or the instance when
   * that name is taken), with `address` = the instance when we scrape it ourselves (so it stays a
   * target) and none when a remote-writing Prometheus does, and `labels.instance` either way.
   */
  resolve(instance: string, hints: { nodename?: string; scraped: boolean }): Promise<string>;
  /** Drops everything remembered (a cached server was deleted). */
  forget(): void;
}

const FIND = `
  SELECT id FROM servers WHERE address = $1 OR labels->>'instance' = $1
  ORDER BY (address IS NOT DISTINCT FROM $1) DESC, created_at LIMIT 1`;

// ON CONFLICT without a target: a name or address someone else holds is not an error, just no row.
const REGISTER = `
  INSERT INTO servers (name, hostname, address, labels, ip_address)
  VALUES ($1, $2, $3, jsonb_build_object('instance', $4::text), $5::inet)
  ON CONFLICT DO NOTHING RETURNING id`;

const UNKNOWN_TTL_MS = 30_000;
const MAX_CACHED = 100_000;

export function createServerRegistry(pool: pg.Pool): ServerRegistry {
  const known = new Map<string, string>();
  const unknownUntil = new Map<string, number>();

  function remember(instance: string, id: string): string {
    if (known.size >= MAX_CACHED) known.clear();
    known.set(instance, id);
    unknownUntil.delete(instance);
    return id;
  }

  async function find(instance: string): Promise<string | undefined> {
    const { rows } = await pool.query<{ id: string }>(FIND, [instance]);
    return rows[0] === undefined ? undefined : remember(instance, rows[0].id);
  }

  return {
    forget() {
      known.clear();
      unknownUntil.clear();
    },

    async lookup(instance) {
      const cached = known.get(instance);
      if (cached !== undefined) return cached;
      if ((unknownUntil.get(instance) ?? 0) > Date.now()) return undefined;
      const found = await find(instance);
      if (found === undefined) {
        if (unknownUntil.size >= MAX_CACHED) unknownUntil.clear();
        unknownUntil.set(instance, Date.now() + UNKNOWN_TTL_MS);
      }
      return found;
    },

    async resolve(instance, hints) {
      const cached = known.get(instance) ?? (await find(instance));
      if (cached !== undefined) return cached;
      const host = instance.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      const names = [...new Set([hints.nodename, instance, `${hints.nodename ?? host} (${instance})`])].filter((n) => n !== undefined && n !== '');
      for (const name of names) {
        const ip = isIP(host) === 0 ? null : host;
        const { rows } = await pool.query<{ id: string }>(REGISTER, [name, hints.nodename ?? host, hints.scraped ? instance : null, instance, ip]);
        if (rows[0] !== undefined) return remember(instance, rows[0].id);
        // Someone registered the same instance meanwhile (its address is unique), or the name is taken.
        const raced = await find(instance);
        if (raced !== undefined) return raced;
      }
      throw new Error(`cannot register a server for instance ${instance}: every candidate name is taken`);
    },
  };
}
