import type pg from 'pg';
import { notFound } from '../http/api-error.ts';
import type { Matcher, Silence, SilenceInput } from './silence-schema.ts';

interface SilenceRow {
  id: string;
  matchers: Matcher[];
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  now: Date;
}

const COLUMNS = 'id, matchers, starts_at, ends_at, comment, created_by, now() AS now';

function fromRow(row: SilenceRow): Silence {
  const state = row.now < row.starts_at ? 'pending' : row.now < row.ends_at ? 'active' : 'expired';
  return {
    id: row.id, matchers: row.matchers, startsAt: row.starts_at.toISOString(), endsAt: row.ends_at.toISOString(),
    comment: row.comment, createdBy: row.created_by, state,
  };
}

/** Matchers of the silences in force at `at`. */
export async function activeSilences(db: Pick<pg.Pool, 'query'>, at: Date): Promise<Matcher[][]> {
  const { rows } = await db.query<{ matchers: Matcher[] }>('SELECT matchers FROM silences WHERE starts_at <= $1 AND ends_at > $1', [at]);
  return rows.map((r) => r.matchers);
}

/** CRUD of silences. Deleting one expires it now, so history stays readable. */
export function createSilenceStore(pool: pg.Pool) {
  return {
    async list(state?: Silence['state']): Promise<Silence[]> {
      const { rows } = await pool.query<SilenceRow>(`SELECT ${COLUMNS} FROM silences ORDER BY ends_at DESC, id LIMIT 1000`);
      const all = rows.map(fromRow);
      return state === undefined ? all : all.filter((s) => s.state === state);
    },
    async get(id: string): Promise<Silence> {
      const { rows } = await pool.query<SilenceRow>(`SELECT ${COLUMNS} FROM silences WHERE id = $1`, [id]);
      if (rows[0] === undefined) throw notFound('silence');
      return fromRow(rows[0]);
    },
    async create(input: SilenceInput, createdBy: string): Promise<Silence> {
      const { rows } = await pool.query<SilenceRow>(
        `INSERT INTO silences (matchers, starts_at, ends_at, comment, created_by) VALUES ($1::jsonb, coalesce($2::timestamptz, now()), $3, $4, $5) RETURNING ${COLUMNS}`,
        [JSON.stringify(input.matchers), input.startsAt ?? null, input.endsAt, input.comment ?? '', createdBy],
      );
      return fromRow(rows[0]!);
    },
    async replace(id: string, input: SilenceInput): Promise<Silence> {
      const { rows } = await pool.query<SilenceRow>(
        `UPDATE silences SET matchers = $2::jsonb, starts_at = coalesce($3::timestamptz, starts_at), ends_at = $4, comment = $5, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, JSON.stringify(input.matchers), input.startsAt ?? null, input.endsAt, input.comment ?? ''],
      );
      if (rows[0] === undefined) throw notFound('silence');
      return fromRow(rows[0]);
    },
    async expire(id: string): Promise<void> {
      const { rowCount } = await pool.query('UPDATE silences SET ends_at = greatest(starts_at + interval \'1 millisecond\', least(ends_at, now())), updated_at = now() WHERE id = $1', [id]);
      if (rowCount === 0) throw notFound('silence');
    },
  };
}
