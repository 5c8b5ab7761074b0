export { ConfigError, parseConfig } from './parse-config.ts';
export type { Env } from './parse-config.ts';
export { duration, formatDuration, parseDuration, positiveDuration } from './duration.ts';
export { flag, logLevel, port, postgresUrl } from './fields.ts';
