import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@sextant/log';
import { createAuthCheck } from './check-auth.ts';
import type { Collector, HostPaths } from './collector.ts';
import { createCollectorRunner } from './collector-runner.ts';
import { createCpuCollector } from './collectors/cpu-collector.ts';
import { createDiskstatsCollector } from './collectors/diskstats-collector.ts';
import { createFilesystemCollector } from './collectors/filesystem-collector.ts';
import { createHwmonCollector } from './collectors/hwmon-collector.ts';
import {
  createArpCollector,
  createConntrackCollector,
  createEntropyCollector,
  createFilefdCollector,
  createVmstatCollector,
} from './collectors/kernel-collectors.ts';
import { createListenersCollector } from './collectors/listeners-collector.ts';
import { createLoadavgCollector } from './collectors/loadavg-collector.ts';
import { createMeminfoCollector } from './collectors/meminfo-collector.ts';
import { createNetclassCollector } from './collectors/netclass-collector.ts';
import { createNetdevCollector } from './collectors/netdev-collector.ts';
import { createNetstatCollector } from './collectors/netstat-collector.ts';
import { createOsCollector } from './collectors/os-collector.ts';
import { createPressureCollector } from './collectors/pressure-collector.ts';
import { createSockstatCollector, readPageSize } from './collectors/sockstat-collector.ts';
import { createSoftnetCollector } from './collectors/softnet-collector.ts';
import { createStatCollector } from './collectors/stat-collector.ts';
import { createTextfileCollector } from './collectors/textfile-collector.ts';
import { createTimeCollector } from './collectors/time-collector.ts';
import { createTopProcessesCollector } from './collectors/top-processes-collector.ts';
import { createUdpQueuesCollector } from './collectors/udp-queues-collector.ts';
import { createUnameCollector } from './collectors/uname-collector.ts';
import type { ExporterConfig } from './config.ts';
import { createMetricsServer } from './create-metrics-server.ts';
import { createOtelRecorder } from './otel-recorder.ts';
import { createSelfMetrics } from './self-metrics.ts';
import type { ExpositionFormat } from './serialize-exposition.ts';
import { serializeExposition } from './serialize-exposition.ts';

export interface RunningExporter {
  /** Base URL with the real port, e.g. `http://127.0.0.1:9464`; /metrics is below it. */
  url: string;
  close(): Promise<void>;
}

/** Every collector the config turns on, in node_exporter's naming. */
export function createCollectors(config: ExporterConfig, log: Logger): Collector[] {
  const paths: HostPaths = {
    procfs: config.EXPORTER_PATH_PROCFS,
    sysfs: config.EXPORTER_PATH_SYSFS,
    rootfs: config.EXPORTER_PATH_ROOTFS,
  };
  const all: Collector[] = [
    createArpCollector(paths),
    createConntrackCollector(paths),
    createCpuCollector(paths),
    createDiskstatsCollector({
      paths,
      deviceExclude: config.EXPORTER_DISKSTATS_DEVICE_EXCLUDE,
      udevDataPath: config.EXPORTER_UDEV_DATA_PATH,
    }),
    createEntropyCollector(paths),
    createFilefdCollector(paths),
    createFilesystemCollector({
      paths,
      mountPointsExclude: config.EXPORTER_FILESYSTEM_MOUNT_POINTS_EXCLUDE,
      fsTypesExclude: config.EXPORTER_FILESYSTEM_FS_TYPES_EXCLUDE,
      statfsTimeoutMs: Math.max(1, config.EXPORTER_COLLECTOR_TIMEOUT - 100),
      log: log.child({ collector: 'filesystem' }),
    }),
    createHwmonCollector(paths),
    createLoadavgCollector(paths),
    createMeminfoCollector(paths),
    createNetclassCollector(paths),
    createNetdevCollector({ paths, deviceExclude: config.EXPORTER_NETDEV_DEVICE_EXCLUDE }),
    createNetstatCollector({ paths, fields: config.EXPORTER_NETSTAT_FIELDS }),
    createOsCollector(paths),
    createPressureCollector(paths),
    createSockstatCollector({ paths, pageSize: readPageSize(paths.procfs) }),
    createSoftnetCollector(paths),
    createStatCollector(paths),
    createTimeCollector(paths),
    createUdpQueuesCollector(paths),
    createUnameCollector(paths),
    createVmstatCollector(paths),
  ];
  if (config.EXPORTER_TEXTFILE_DIRECTORY !== undefined) {
    all.push(createTextfileCollector({ directory: config.EXPORTER_TEXTFILE_DIRECTORY }));
  }
  if (config.EXPORTER_TOP_PROCESSES > 0) {
    all.push(
      createTopProcessesCollector({
        paths,
        count: config.EXPORTER_TOP_PROCESSES,
        intervalMs: config.EXPORTER_TOP_PROCESSES_INTERVAL,
        log,
      }),
    );
  }
  if (config.EXPORTER_LISTENERS) {
    all.push(createListenersCollector({ intervalMs: config.EXPORTER_LISTENERS_INTERVAL, log }));
  }
  const disabled = new Set(config.EXPORTER_COLLECTORS_DISABLED);
  return all.filter((c) => !disabled.has(c.name));
}

/** Starts the exporter: collectors → OpenTelemetry SDK → /metrics. Resolves once listening. */
export async function startExporter({ config, log }: { config: ExporterConfig; log: Logger }): Promise<RunningExporter> {
  const tls =
    config.EXPORTER_TLS_CERT_FILE !== undefined && config.EXPORTER_TLS_KEY_FILE !== undefined
      ? { cert: await readFile(config.EXPORTER_TLS_CERT_FILE), key: await readFile(config.EXPORTER_TLS_KEY_FILE) }
      : undefined;
  const collectors = createCollectors(config, log);
  const runner = createCollectorRunner({ collectors, timeoutMs: config.EXPORTER_COLLECTOR_TIMEOUT, log });
  const recorder = createOtelRecorder();
  const self = createSelfMetrics();

  // Concurrent scrapes share one collection: the data would be the same, and the work halves.
  let inFlight: Promise<Awaited<ReturnType<typeof recorder.record>>> | undefined;
  const collect = (): Promise<Awaited<ReturnType<typeof recorder.record>>> => {
    inFlight ??= (async () => {
      try {
        const samples = await runner.run();
        const families = await recorder.record(samples);
        return [...families, ...self.collect()];
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  const server = createMetricsServer({
    render: async (format: ExpositionFormat) => serializeExposition(await collect(), format),
    authorize: createAuthCheck({
      bearerToken: config.EXPORTER_BEARER_TOKEN,
      basicUser: config.EXPORTER_BASIC_AUTH_USER,
      basicPassword: config.EXPORTER_BASIC_AUTH_PASSWORD,
    }),
    tls,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.EXPORTER_PORT, config.EXPORTER_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.EXPORTER_HOST.includes(':') ? `[${config.EXPORTER_HOST}]` : config.EXPORTER_HOST;
  const url = `${tls === undefined ? 'http' : 'https'}://${host}:${port}`;
  log.info({ url, collectors: collectors.map((c) => c.name) }, 'exporter listening');

  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all(collectors.map((c) => c.close?.() ?? Promise.resolve()));
      await recorder.close();
    },
  };
}
