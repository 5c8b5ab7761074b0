import type { Migration } from '../migration.ts';

/** Relational tables of the storage contract: servers, users, tokens, alert rules, alerts, series. */
export const core: Migration = {
  name: '0001-core',
  async up({ client, caps }) {
    await client.query(`
      CREATE TABLE servers (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         text NOT NULL UNIQUE,
        hostname     text,
        address      text,
        ip_address   inet,
        status       text NOT NULL DEFAULT 'unknown' CHECK (status IN ('up', 'down', 'unknown')),
        labels       jsonb NOT NULL DEFAULT '{}',
        last_seen_at timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX servers_address_key ON servers (address) WHERE address IS NOT NULL;

      CREATE TABLE users (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username      text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role          text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        disabled      boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE refresh_tokens (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id   uuid NOT NULL,
        token_hash  text NOT NULL UNIQUE,
        expires_at  timestamptz NOT NULL,
        revoked_at  timestamptz,
        replaced_by uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

      CREATE TABLE api_tokens (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name         text NOT NULL,
        token_hash   text NOT NULL UNIQUE,
        scopes       text[] NOT NULL DEFAULT '{}',
        expires_at   timestamptz,
        last_used_at timestamptz,
        revoked_at   timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE alert_rules (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name            text NOT NULL,
        metric          text,
        expr            text,
        operator        text NOT NULL CHECK (operator IN ('>', '>=', '<', '<=')),
        threshold       double precision NOT NULL,
        clear_threshold double precision,
        for_duration    interval NOT NULL DEFAULT '0',
        severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        server_id       uuid REFERENCES servers (id) ON DELETE CASCADE,
        label_selector  jsonb,
        enabled         boolean NOT NULL DEFAULT true,
        labels          jsonb NOT NULL DEFAULT '{}',
        annotations     jsonb NOT NULL DEFAULT '{}',
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CHECK (metric IS NOT NULL OR expr IS NOT NULL)
      );

      CREATE TABLE alerts (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        server_id       uuid REFERENCES servers (id) ON DELETE CASCADE,
        rule_id         uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
        type            text NOT NULL,
        severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        status          text NOT NULL CHECK (status IN ('pending', 'firing', 'resolved')),
        value           double precision,
        "timestamp"     timestamptz NOT NULL DEFAULT now(),
        resolved_at     timestamptz,
        acknowledged_by text,
        acknowledged_at timestamptz,
        fingerprint     text NOT NULL,
        labels          jsonb NOT NULL DEFAULT '{}',
        annotations     jsonb NOT NULL DEFAULT '{}',
        source          text NOT NULL CHECK (source IN ('rule', 'system', 'alertmanager')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      );
      -- At most one open alert per fingerprint: repeats update it instead of duplicating it.
      CREATE UNIQUE INDEX alerts_open_fingerprint_key ON alerts (fingerprint) WHERE status <> 'resolved';
      CREATE INDEX alerts_status_idx ON alerts (status, severity, "timestamp" DESC);
      CREATE INDEX alerts_server_idx ON alerts (server_id, "timestamp" DESC);

      CREATE TABLE series (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        metric_name  text NOT NULL,
        labels       jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (metric_name, labels)
      );
      CREATE INDEX series_labels_idx ON series USING gin (labels jsonb_path_ops);

      CREATE TABLE metric_metadata (
        metric_family text PRIMARY KEY,
        type          text NOT NULL,
        help          text NOT NULL DEFAULT '',
        unit          text NOT NULL DEFAULT '',
        updated_at    timestamptz NOT NULL DEFAULT now()
      );
    `);
    // The one bucketing function every reader uses; it matches time_bucket's origin (2000-01-03 UTC).
    const body = caps.timescaledb ? 'time_bucket(width, ts)' : `date_bin(width, ts, TIMESTAMPTZ '2000-01-03 00:00:00+00')`;
    await client.query(`
      CREATE FUNCTION sextant_bucket(width interval, ts timestamptz) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN ${body};
    `);
  },
};
