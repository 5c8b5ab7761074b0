-- The read-only role Grafana connects as (Grafana does not sandbox SQL: prometheus-compat.md §6.1).
-- It may read the monitoring tables and nothing else: not users, refresh_tokens or api_tokens.
-- CONNECT comes from PUBLIC, PostgreSQL's default; where that was revoked, grant it as well.
-- Run after `sextant migrate`, as the owner of Sextant's tables, and again after upgrades (safe to repeat):
--   psql "$DATABASE_URL" -v reader=grafana_reader -v password="$GRAFANA_DB_PASSWORD" -f grafana-reader.sql
-- One catalog change per statement (and so per transaction), which every PostgreSQL build accepts.
SET sextant.reader_name = :'reader';
SET sextant.reader_password = :'password';

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = current_setting('sextant.reader_name')) THEN
    EXECUTE format('CREATE ROLE %I', current_setting('sextant.reader_name'));
  END IF;
END
$$;

DO $$
BEGIN
  EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
    current_setting('sextant.reader_name'), current_setting('sextant.reader_password'));
END
$$;

DO $$
BEGIN
  EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', current_setting('sextant.reader_name'), '30s');
END
$$;

DO $$
BEGIN
  EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', current_setting('sextant.reader_name'));
END
$$;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', current_setting('sextant.reader_name'));
END
$$;

DO $$
BEGIN
  EXECUTE format('GRANT SELECT ON servers, metrics_snapshots, metrics_snapshots_1h, alerts, alert_rules, series, samples, metric_metadata TO %I',
    current_setting('sextant.reader_name'));
END
$$;

RESET sextant.reader_password;
