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
--   * statement and idle-transaction timeouts for ballot_app (below).

\set ON_ERROR_STOP on

CREATE ROLE ballot_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE ROLE ballot_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 200;
CREATE ROLE ballot_backup LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 4;

CREATE DATABASE ballot OWNER ballot_owner ENCODING 'UTF8' TEMPLATE template0;

-- A runaway statement or an abandoned transaction must not hold locks for ever; the
-- limits are generous because opening a 260,000-member vote (tokens and invitations
-- in one transaction) takes a minute or two (docs/PERFORMANCE.md).
ALTER ROLE ballot_app SET statement_timeout = '10min';
ALTER ROLE ballot_app SET idle_in_transaction_session_timeout = '10min';

\connect ballot
-- Schema ownership, connect rights and default privileges: the same file serves a new
-- database made for a restore (see postgresql-grants.sql and docs/OPERATIONS.md).
\ir postgresql-grants.sql
