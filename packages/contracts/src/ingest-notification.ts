import { z } from 'zod';

/**
 * PostgreSQL LISTEN/NOTIFY channel on which the ingester announces that a batch was committed.
 * A notification is a wake-up only: readers re-read the tables, which stay the durable log.
 */
export const INGEST_CHANNEL = 'sextant_ingest';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const NOTIFY_PAYLOAD_LIMIT = 8000;

/**
 * "A batch was ingested": the servers whose `metrics_snapshots` rows or `status`/`last_seen_at` it
 * wrote (possibly none, when it carried only samples of other series) and the newest sample time in
 * it, as ISO 8601. The API's alert engine sends one too when it marks silent servers `unknown`
 * (with its evaluation time).
 */
export const ingestNotificationSchema = z.object({
  serverIds: z.array(z.uuid()),
  timestamp: z.iso.datetime({ offset: true }),
});

export type IngestNotification = z.output<typeof ingestNotificationSchema>;

// A UUID is 36 characters, plus two quotes and a comma in the JSON array.
const BYTES_PER_ID = 39;
const ENVELOPE_BYTES = 128;
const IDS_PER_PAYLOAD = Math.floor((NOTIFY_PAYLOAD_LIMIT - ENVELOPE_BYTES) / BYTES_PER_ID);

/**
 * The NOTIFY payloads for one batch: one JSON text, or several when the server list would not fit
 * under the 8000-byte limit (each names a share of the servers, all with the same timestamp).
 */
export function encodeIngestNotifications(notification: IngestNotification): string[] {
  const { serverIds, timestamp } = ingestNotificationSchema.parse(notification);
  const payloads: string[] = [];
  for (let i = 0; i === 0 || i < serverIds.length; i += IDS_PER_PAYLOAD) {
    payloads.push(JSON.stringify({ serverIds: serverIds.slice(i, i + IDS_PER_PAYLOAD), timestamp }));
  }
  return payloads;
}

/** Reads a payload received on `INGEST_CHANNEL`; throws a `ZodError` when it is not one. */
export function decodeIngestNotification(payload: string): IngestNotification {
  return ingestNotificationSchema.parse(JSON.parse(payload));
}
