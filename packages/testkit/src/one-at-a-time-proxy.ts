import net from 'node:net';

/**
 * A loopback TCP proxy that lets one client through to `target` at a time and queues the rest
 * until the previous connection has closed on both sides. PGlite's socket server refuses a second
 * connection outright, and `pg.Pool` opens a new one as soon as it discards a client after an
 * error: the queue turns that race into a short wait.
 */
export async function startOneAtATimeProxy(targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const waiting: net.Socket[] = [];
  let busy = false;
  const open = new Set<net.Socket>();

  const next = () => {
    if (busy) return;
    const client = waiting.shift();
    if (client === undefined) return;
    if (client.destroyed) return next();
    busy = true;
    const upstream = net.connect(targetPort, '127.0.0.1');
    open.add(upstream);
    let closed = 0;
    const done = () => {
      if (++closed < 2) return;
      open.delete(upstream);
      busy = false;
      next();
    };
    upstream.once('close', done);
    client.once('close', done);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.pause();
    waiting.push(client);
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
