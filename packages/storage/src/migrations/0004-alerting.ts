import type { Migration } from '../migration.ts';

/**
 * What the alert engine and the Alertmanager bridge keep: the built-in "server down" rule, when an
 * alert fired, whether a silence covers it, what was last sent to Alertmanager (so resends survive a
 * restart, compat §5.2), silences, and the engine's per-server replay cursor.
 */
export const alerting: Migration = {
  name: '0004-alerting',
  async up({ client }) {
    await client.query(`
      ALTER TABLE alert_rules ADD COLUMN builtin text UNIQUE;
      ALTER TABLE alert_rules ADD COLUMN type text;

      ALTER TABLE alerts ADD COLUMN fired_at timestamptz;
      ALTER TABLE alerts ADD COLUMN silenced boolean NOT NULL DEFAULT false;
      ALTER TABLE alerts ADD COLUMN starts_at timestamptz;
      ALTER TABLE alerts ADD COLUMN am_sent_status text CHECK (am_sent_status IN ('firing', 'resolved'));
      ALTER TABLE alerts ADD COLUMN am_sent_at timestamptz;
      CREATE INDEX alerts_outbox_idx ON alerts (status, am_sent_at) WHERE source <> 'alertmanager';
      CREATE INDEX alerts_fingerprint_idx ON alerts (fingerprint, "timestamp" DESC);

      CREATE TABLE silences (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        matchers   jsonb NOT NULL,
        starts_at  timestamptz NOT NULL,
        ends_at    timestamptz NOT NULL,
        comment    text NOT NULL DEFAULT '',
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      );
      CREATE INDEX silences_ends_idx ON silences (ends_at);

      CREATE TABLE alert_engine_cursors (
        server_id       uuid PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
        evaluated_until timestamptz NOT NULL
      );

      INSERT INTO alert_rules (name, metric, operator, threshold, for_duration, severity, builtin, type, labels, annotations)
      VALUES ('ServerDown', 'seconds_since_last_scrape', '>', 60, '0', 'critical', 'server_down', 'server_down', '{}',
              '{"summary": "{{ $labels.server }} is down", "description": "No successful scrape of {{ $labels.server }} for {{ $value }} seconds."}');
    `);
  },
};
