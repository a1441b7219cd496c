-- ballot: PostgreSQL database and roles, least privilege.
--
-- Run once as a superuser:   psql -v ON_ERROR_STOP=1 -f postgresql-setup.sql
-- then set the two passwords (never in this file, never in shell history):
--   psql -c "\password ballot_owner"   and   psql -c "\password ballot_app"
--
-- Two roles, because the running service should not be able to change the schema:
--
--   ballot_owner  owns the database objects.  Used only by `ballot db upgrade`
--                 (ballot-migrate.service, before each start) and by restores.
--                 Can CREATE/ALTER/DROP; is NOT a superuser and cannot log in from
--                 anywhere but the host (see pg_hba.conf below).
--   ballot_app    what the web service and the mail worker use.  Only SELECT,
--                 INSERT, UPDATE, DELETE on the tables and USAGE on the sequences
--                 (granted by default privileges, so tables added by later
--                 migrations are covered).  It cannot create, alter, drop or
--                 truncate tables, create functions, or disable triggers.  A
--                 compromised web process can therefore corrupt rows it can write,
--                 but not the schema, and cannot hide its tracks by dropping the
--                 audit tables; the hash-chained board and audit log make row edits
--                 visible to anyone who kept a signed head (docs/THREAT_MODEL.md).
--   ballot_backup (optional) read-only, for deploy/backup.sh's pg_dump.
--
-- Further hardening that SQL cannot express:
--   * pg_hba.conf: `hostssl ballot ballot_app 127.0.0.1/32 scram-sha-256` (or the
--     app hosts' addresses), `local ballot ballot_owner scram-sha-256`; nothing else.
--   * password_encryption = scram-sha-256; ssl = on when the database is remote.
--   * statement_timeout for ballot_app (below) so a runaway query cannot pin a row lock.

\set ON_ERROR_STOP on

CREATE ROLE ballot_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE ROLE ballot_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 200;
CREATE ROLE ballot_backup LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 4;

CREATE DATABASE ballot OWNER ballot_owner ENCODING 'UTF8' TEMPLATE template0;

-- Only our roles may connect.
REVOKE ALL ON DATABASE ballot FROM PUBLIC;
GRANT CONNECT ON DATABASE ballot TO ballot_app, ballot_backup;

ALTER ROLE ballot_app SET statement_timeout = '30s';
ALTER ROLE ballot_app SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE ballot_app SET lock_timeout = '10s';

\connect ballot

-- The public schema belongs to the owner; nobody else may create objects in it.
ALTER SCHEMA public OWNER TO ballot_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ballot_app, ballot_backup;

-- Whatever the migrations create (as ballot_owner) is usable, not alterable, by the app.
ALTER DEFAULT PRIVILEGES FOR ROLE ballot_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ballot_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ballot_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO ballot_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ballot_owner IN SCHEMA public
    GRANT SELECT ON TABLES TO ballot_backup;
ALTER DEFAULT PRIVILEGES FOR ROLE ballot_owner IN SCHEMA public
    GRANT SELECT ON SEQUENCES TO ballot_backup;
ALTER DEFAULT PRIVILEGES FOR ROLE ballot_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- For a database created before these default privileges existed, re-run:
--   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ballot_app;
--   GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ballot_app;
--   GRANT SELECT ON ALL TABLES IN SCHEMA public TO ballot_backup;
