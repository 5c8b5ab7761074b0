// Runs the exporter alone in its own process for the bench (so its CPU and RSS are its own), the
// same way `sextant exporter` does: config from the environment, stop on SIGTERM.
import { flushCompileCache } from 'node:module';
import { parseConfig } from '@sextant/config';
import { exporterConfigSchema, startExporter } from '@sextant/exporter';
import { createLogger } from '@sextant/log';

const config = parseConfig(exporterConfigSchema, process.env);
const exporter = await startExporter({ config, log: createLogger({ level: config.LOG_LEVEL }) });
// Persist NODE_COMPILE_CACHE (when set) now rather than at exit, as `sextant exporter` does.
flushCompileCache();
process.stdout.write(`${exporter.url}\n`);
process.once('SIGTERM', () => {
  void exporter.close().then(() => process.exit(0));
});
