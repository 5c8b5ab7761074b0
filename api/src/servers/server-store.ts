import type pg from 'pg';
import { queryJsonText } from './query-json-text.ts';
import { ServerError } from './server-error.ts';
import { LATEST_SNAPSHOT_JOIN, SERVER_COLUMNS } from './server-json.ts';
import type { ServerInput, ServerPatch } from './server-schema.ts';

// API field → column, for writes.
const COLUMNS = { name: 'name', hostname: 'hostname', address: 'address', ipAddress: 'ip_address', labels: 'labels' } as const;
type Field = keyof typeof COLUMNS;

// Reads the row a write touched back with its newest snapshot, as JSON text.
const answer = (write: string) => `
  WITH w AS (${write} RETURNING *)
  SELECT row_to_json(r)::text AS body FROM (SELECT ${SERVER_COLUMNS} FROM w s ${LATEST_SNAPSHOT_JOIN}) r`;

// Unique violations of `servers` become the client's 409 with a code naming the field.
function translate(err: unknown, input: Partial<Record<Field, unknown>>): never {
  const pgError = err as { code?: string; constraint?: string };
  if (pgError.code === '23505' && pgError.constraint === 'servers_name_key') {
    throw new ServerError('SERVER_NAME_TAKEN', `a server named "${String(input.name)}" exists already`, { cause: err });
  }
  if (pgError.code === '23505' && pgError.constraint === 'servers_address_key') {
    throw new ServerError('SERVER_ADDRESS_TAKEN', `a server with address "${String(input.address)}" exists already`, { cause: err });
  }
  throw err;
}

function values(input: Partial<Record<Field, unknown>>, fields: readonly Field[]): unknown[] {
  return fields.map((f) => (f === 'labels' ? JSON.stringify(input.labels ?? {}) : (input[f] ?? null)));
}

const notFound = (id: string) => new ServerError('SERVER_NOT_FOUND', `no server with id ${id}`);

/** Server reads and writes; every method returns the server's API JSON as text. */
export interface ServerStore {
  get(id: string): Promise<string>;
  create(input: ServerInput): Promise<string>;
  /** PUT: every field replaced (omitted optional ones cleared). */
  replace(id: string, input: ServerInput): Promise<string>;
  /** PATCH: only the given fields change. */
  update(id: string, patch: ServerPatch): Promise<string>;
  /** Deletes the server and (by cascade) its snapshots, rules and alerts. */
  remove(id: string): Promise<void>;
}

/** `ServerStore` over the node-postgres pool; throws `ServerError` for 404/409 cases. */
export function createServerStore(pool: pg.Pool): ServerStore {
  const all = Object.keys(COLUMNS) as Field[];
  const write = async (text: string, params: unknown[], input: Partial<Record<Field, unknown>>, id?: string) => {
    let result: pg.QueryResult<{ body: string }>;
    try {
      result = await pool.query<{ body: string }>(text, params);
    } catch (err) {
      translate(err, input);
    }
    if (result.rows[0] === undefined) throw notFound(id ?? '');
    return result.rows[0].body;
  };
  const setClause = (fields: readonly Field[]) => fields.map((f, i) => `${COLUMNS[f]} = $${i + 2}`).concat('updated_at = now()').join(', ');
  return {
    async get(id) {
      const body = await queryJsonText(pool, 'sextant-server-get', `SELECT row_to_json(r)::text AS body FROM (SELECT ${SERVER_COLUMNS} FROM servers s ${LATEST_SNAPSHOT_JOIN} WHERE s.id = $1) r`, [id]);
      if (body === undefined) throw notFound(id);
      return body;
    },
    create: (input) =>
      write(
        answer(`INSERT INTO servers (${all.map((f) => COLUMNS[f]).join(', ')}) VALUES (${all.map((_, i) => `$${i + 1}`).join(', ')})`),
        values(input, all),
        input,
      ),
    replace: (id, input) => write(answer(`UPDATE servers SET ${setClause(all)} WHERE id = $1`), [id, ...values(input, all)], input, id),
    update(id, patch) {
      const fields = all.filter((f) => patch[f] !== undefined);
      return write(answer(`UPDATE servers SET ${setClause(fields)} WHERE id = $1`), [id, ...values(patch, fields)], patch, id);
    },
    async remove(id) {
      const result = await pool.query('DELETE FROM servers WHERE id = $1', [id]);
      if (result.rowCount === 0) throw notFound(id);
    },
  };
}
