import { mqttAlertSchema } from '@sextant/contracts';
import type { MqttAlert } from '@sextant/contracts';

/** One change of one alert, shaped as the REST API returns alerts (`status` firing|resolved|acknowledged). */
export type AlertEvent = MqttAlert;

/**
 * The one way alert changes reach live subscribers. The alert engine (and the ack route, and the
 * Alertmanager bridge) call `emit` after the change has committed; the MQTT fan-out subscribes and
 * publishes `sextant/v1/alerts/{serverId}/{alertId}` (QoS 1, not retained).
 */
export interface AlertEvents {
  /** Announces a committed alert change. Throws a `ZodError` when `event` does not fit the contract. */
  emit(event: AlertEvent): void;
  /** Calls `listener` for every later event; returns the function that stops it. */
  subscribe(listener: (event: AlertEvent) => void): () => void;
}

const LOOSE_ALERT = mqttAlertSchema.loose();

/** An alert as the REST API returns it (`GET /api/alerts`): `status` pending, firing or resolved. */
export type RestAlert = Omit<AlertEvent, 'status'> & { status: 'pending' | 'firing' | 'resolved' };

/**
 * The event to emit for an alert's current state, or undefined for a pending one (not announced
 * until it fires). A firing alert someone acknowledged is `acknowledged`.
 */
export function toAlertEvent(alert: RestAlert): AlertEvent | undefined {
  if (alert.status === 'pending') return undefined;
  return { ...alert, status: alert.status === 'firing' && alert.acknowledgedAt !== null ? 'acknowledged' : alert.status };
}

/** An in-process `AlertEvents`; a listener that throws does not stop the others or the emitter. */
export function createAlertEvents(onListenerError: (err: unknown) => void = () => undefined): AlertEvents {
  const listeners = new Set<(event: AlertEvent) => void>();
  return {
    emit(event) {
      // Checked against the contract; fields beyond it (the REST API may add some) are kept.
      const checked: AlertEvent = LOOSE_ALERT.parse(event);
      for (const listener of listeners) {
        try {
          listener(checked);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
