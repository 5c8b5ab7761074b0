import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeIngestNotification, encodeIngestNotifications, NOTIFY_PAYLOAD_LIMIT } from './ingest-notification.ts';

describe('ingest notifications', () => {
  const timestamp = '2026-11-26T10:00:00.000Z';

  it('round-trips one payload', () => {
    const serverIds = [randomUUID(), randomUUID()];
    const payloads = encodeIngestNotifications({ serverIds, timestamp });
    expect(payloads).toHaveLength(1);
    expect(decodeIngestNotification(payloads[0]!)).toEqual({ serverIds, timestamp });
  });

  it('announces a batch without snapshot rows too', () => {
    const payloads = encodeIngestNotifications({ serverIds: [], timestamp });
    expect(payloads.map(decodeIngestNotification)).toEqual([{ serverIds: [], timestamp }]);
  });

  it('splits a long server list under the NOTIFY limit, naming every server once', () => {
    const serverIds = Array.from({ length: 1000 }, () => randomUUID());
    const payloads = encodeIngestNotifications({ serverIds, timestamp });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(NOTIFY_PAYLOAD_LIMIT);
    expect(payloads.flatMap((p) => decodeIngestNotification(p).serverIds)).toEqual(serverIds);
  });

  it('refuses what is not a notification', () => {
    expect(() => decodeIngestNotification('{"serverIds":["x"],"timestamp":"now"}')).toThrow();
  });
});
