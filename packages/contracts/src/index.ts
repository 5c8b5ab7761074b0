export {
  decodeIngestNotification,
  encodeIngestNotifications,
  INGEST_CHANNEL,
  ingestNotificationSchema,
  NOTIFY_PAYLOAD_LIMIT,
} from './ingest-notification.ts';
export type { IngestNotification } from './ingest-notification.ts';
