import { flag, logLevel, port, positiveDuration } from '@sextant/config';
import { z } from 'zod';
import { DEFAULT_DISK_DEVICE_EXCLUDE } from './collectors/diskstats-collector.ts';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from './collectors/filesystem-collector.ts';
import { DEFAULT_NETSTAT_FIELDS } from './collectors/netstat-collector.ts';

const regex = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
    return z.NEVER;
  }
});

/** Every option `sextant exporter` reads, with its default, for `--help`. */
export const exporterEnvHelp: readonly { name: string; default: string; description: string }[] = [
  { name: 'EXPORTER_PORT', default: '9464', description: 'Port for /metrics and /healthz (0 = any free port).' },
  { name: 'EXPORTER_HOST', default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for all interfaces).' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level.' },
  { name: 'EXPORTER_BEARER_TOKEN', default: '(unset)', description: 'When set, /metrics requires `Authorization: Bearer <token>`.' },
  { name: 'EXPORTER_BASIC_AUTH_USER', default: '(unset)', description: 'With EXPORTER_BASIC_AUTH_PASSWORD: /metrics requires HTTP basic auth (either credential is accepted when a bearer token is also set).' },
  { name: 'EXPORTER_BASIC_AUTH_PASSWORD', default: '(unset)', description: 'Password for EXPORTER_BASIC_AUTH_USER.' },
  { name: 'EXPORTER_TLS_CERT_FILE', default: '(unset)', description: 'PEM certificate (chain); with EXPORTER_TLS_KEY_FILE the exporter serves HTTPS.' },
  { name: 'EXPORTER_TLS_KEY_FILE', default: '(unset)', description: 'PEM private key for EXPORTER_TLS_CERT_FILE.' },
  { name: 'EXPORTER_TOP_PROCESSES', default: '0', description: 'Expose the top N processes by CPU and by memory (sextant_top_process_*, labels pid and comm; at most 2N series each). 0 = off.' },
  { name: 'EXPORTER_TOP_PROCESSES_INTERVAL', default: '15s', description: 'How often the process list is re-read in the background.' },
  { name: 'EXPORTER_LISTENERS', default: 'false', description: 'Expose listening sockets and their processes (sextant_listening_socket_info) via systeminformation.' },
  { name: 'EXPORTER_LISTENERS_INTERVAL', default: '60s', description: 'How often listening sockets are re-read in the background.' },
  { name: 'EXPORTER_COLLECTOR_TIMEOUT', default: '5s', description: 'Budget per collector per scrape; a collector over it is reported failed and skipped.' },
  { name: 'EXPORTER_COLLECTORS_DISABLED', default: '(none)', description: 'Comma-separated collector names to turn off, e.g. hwmon,arp.' },
  { name: 'EXPORTER_FILESYSTEM_MOUNT_POINTS_EXCLUDE', default: DEFAULT_MOUNT_POINTS_EXCLUDE, description: "Regex of mount points to ignore (node_exporter's default)." },
  { name: 'EXPORTER_FILESYSTEM_FS_TYPES_EXCLUDE', default: DEFAULT_FS_TYPES_EXCLUDE, description: "Regex of filesystem types to ignore (node_exporter's default)." },
  { name: 'EXPORTER_DISKSTATS_DEVICE_EXCLUDE', default: DEFAULT_DISK_DEVICE_EXCLUDE, description: "Regex of block devices to ignore (node_exporter's default)." },
  { name: 'EXPORTER_NETDEV_DEVICE_EXCLUDE', default: '(unset)', description: 'Regex of network devices to leave out of node_network_*_total.' },
  { name: 'EXPORTER_NETSTAT_FIELDS', default: DEFAULT_NETSTAT_FIELDS, description: "Regex of <Proto>_<Field> keys of /proc/net/{netstat,snmp,snmp6} exposed as node_netstat_* (node_exporter 1.5's default)." },
  { name: 'EXPORTER_TEXTFILE_DIRECTORY', default: '(unset)', description: 'Directory of *.prom files to expose (textfile collector, with node_textfile_mtime_seconds and node_textfile_scrape_error); unset = off.' },
  { name: 'EXPORTER_PATH_PROCFS', default: '/proc', description: 'procfs mount point (for running in a container).' },
  { name: 'EXPORTER_PATH_SYSFS', default: '/sys', description: 'sysfs mount point.' },
  { name: 'EXPORTER_PATH_ROOTFS', default: '/', description: 'Host root filesystem (os-release, statfs of mount points).' },
  { name: 'EXPORTER_UDEV_DATA_PATH', default: '/run/udev/data', description: 'udev database for node_disk_info labels.' },
];

/** The exporter's environment, validated at start; see `exporterEnvHelp` for what each variable means. */
export const exporterConfigSchema = z
  .object({
    EXPORTER_PORT: port.default(9464),
    EXPORTER_HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: logLevel.default('info'),
    EXPORTER_BEARER_TOKEN: z.string().optional(),
    EXPORTER_BASIC_AUTH_USER: z.string().optional(),
    EXPORTER_BASIC_AUTH_PASSWORD: z.string().optional(),
    EXPORTER_TLS_CERT_FILE: z.string().optional(),
    EXPORTER_TLS_KEY_FILE: z.string().optional(),
    EXPORTER_TOP_PROCESSES: z.coerce.number().int().min(0).max(100).default(0),
    EXPORTER_TOP_PROCESSES_INTERVAL: positiveDuration.default(15_000),
    EXPORTER_LISTENERS: flag.default(false),
    EXPORTER_LISTENERS_INTERVAL: positiveDuration.default(60_000),
    EXPORTER_COLLECTOR_TIMEOUT: positiveDuration.default(5_000),
    EXPORTER_COLLECTORS_DISABLED: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
      .default([]),
    EXPORTER_FILESYSTEM_MOUNT_POINTS_EXCLUDE: regex.default(new RegExp(DEFAULT_MOUNT_POINTS_EXCLUDE)),
    EXPORTER_FILESYSTEM_FS_TYPES_EXCLUDE: regex.default(new RegExp(DEFAULT_FS_TYPES_EXCLUDE)),
    EXPORTER_DISKSTATS_DEVICE_EXCLUDE: regex.default(new RegExp(DEFAULT_DISK_DEVICE_EXCLUDE)),
    EXPORTER_NETDEV_DEVICE_EXCLUDE: regex.optional(),
    EXPORTER_NETSTAT_FIELDS: regex.default(new RegExp(DEFAULT_NETSTAT_FIELDS)),
    EXPORTER_TEXTFILE_DIRECTORY: z.string().min(1).optional(),
    EXPORTER_PATH_PROCFS: z.string().default('/proc'),
    EXPORTER_PATH_SYSFS: z.string().default('/sys'),
    EXPORTER_PATH_ROOTFS: z.string().default('/'),
    EXPORTER_UDEV_DATA_PATH: z.string().default('/run/udev/data'),
  })
  .superRefine((c, ctx) => {
    if ((c.EXPORTER_BASIC_AUTH_USER === undefined) !== (c.EXPORTER_BASIC_AUTH_PASSWORD === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['EXPORTER_BASIC_AUTH_PASSWORD'], message: 'set both EXPORTER_BASIC_AUTH_USER and EXPORTER_BASIC_AUTH_PASSWORD, or neither' });
    }
    if ((c.EXPORTER_TLS_CERT_FILE === undefined) !== (c.EXPORTER_TLS_KEY_FILE === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['EXPORTER_TLS_KEY_FILE'], message: 'set both EXPORTER_TLS_CERT_FILE and EXPORTER_TLS_KEY_FILE, or neither' });
    }
  });

export type ExporterConfig = z.output<typeof exporterConfigSchema>;
