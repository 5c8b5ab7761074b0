// The peer of the API's throughput row: a bare node:http server answering what /healthz answers,
// alone in its own process like the API. Listens on PORT at 127.0.0.1; stops on SIGTERM.
import { createServer } from 'node:http';

const body = JSON.stringify({ status: 'ok' });
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } else {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${Number(process.env.PORT)}\n`));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
