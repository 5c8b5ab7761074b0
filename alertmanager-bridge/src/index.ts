export { bridgeConfigSchema, bridgeEnvHelp } from './config.ts';
export type { BridgeConfig } from './config.ts';
export { startBridge, WEBHOOK_PATH } from './start-bridge.ts';
export type { RunningBridge, StartBridgeOptions } from './start-bridge.ts';
export { toPostableAlert } from './postable-alert.ts';
export type { OutboxAlert, PostableAlert } from './postable-alert.ts';
export { webhookPayloadSchema } from './webhook-payload.ts';
export type { WebhookAlert, WebhookPayload } from './webhook-payload.ts';
export type { BridgeMetrics } from './bridge-metrics.ts';
