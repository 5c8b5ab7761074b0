import { Counter, Gauge, Registry } from 'prom-client';

/** The bridge's own metrics on its `/metrics`, in a registry of its own. */
export function createBridgeMetrics() {
  const registry = new Registry();
  return {
    registry,
    sent: new Counter({ name: 'sextant_bridge_alerts_sent_total', help: 'Alerts accepted by an Alertmanager.', labelNames: ['alertmanager'], registers: [registry] }),
    failed: new Counter({ name: 'sextant_bridge_alerts_failed_total', help: 'Alerts an Alertmanager did not accept (error, timeout, 4xx/5xx).', labelNames: ['alertmanager'], registers: [registry] }),
    queue: new Gauge({ name: 'sextant_bridge_queue_length', help: 'Alerts due to be sent found by the last outbox read.', registers: [registry] }),
    webhooks: new Counter({ name: 'sextant_bridge_webhook_requests_total', help: 'Alertmanager webhook deliveries by answer code.', labelNames: ['code'], registers: [registry] }),
    received: new Counter({ name: 'sextant_bridge_webhook_alerts_total', help: 'Alerts received on the webhook by status.', labelNames: ['status'], registers: [registry] }),
  };
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;
