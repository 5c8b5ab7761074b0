// One alert engine alone in a process (for the tests that kill the evaluating process): evaluates
// DATABASE_URL's rules every ALERT_TICK_MS and prints `leader` once it holds the lease.

import { createLogger } from '@sextant/log';
import { openStorage } from '@sextant/storage';
import { startAlertEngine } from '../src/alerts/alert-engine.ts';

const log = createLogger({ level: 'warn' });
const storage = await openStorage({ url: process.env.DATABASE_URL!, log });
const engine = startAlertEngine({ pool: storage.pool, log, intervalMs: Number(process.env.ALERT_TICK_MS ?? 200), leaseRetryMs: 100 });
// Bounded: a child that never leads gives up after five minutes.
for (let i = 0; i < 6000 && !engine.leader; i++) await new Promise((resolve) => setTimeout(resolve, 50));
if (engine.leader) process.stdout.write('leader\n');
process.on('SIGTERM', () => void engine.close().then(() => storage.close()).then(() => process.exit(0)));
