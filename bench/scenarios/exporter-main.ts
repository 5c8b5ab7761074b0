// Runs the exporter alone in its own process for the bench (so its CPU and RSS are its own), the
// same way `sextant exporter` does: config from the environment, stop on SIGTERM.
import { parseConfig } from '@sextant/config';
import { exporterConfigSchema, startExporter } from '@sextant/exporter';
import { createLogger } from '@sextant/log';

const config = parseConfig(exporterConfigSchema, process.env);
const exporter = await startExporter({ config, log: createLogger({ level: config.LOG_LEVEL }) });
process.stdout.write(`${exporter.url}\n`);
process.once('SIGTERM', () => {
  void exporter.close().then(() => process.exit(0));
});
