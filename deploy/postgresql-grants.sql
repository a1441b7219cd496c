-- ballot: who may do what inside one ballot database.  Idempotent.
--
-- Run as a superuser while connected to the database:
--   * by postgresql-setup.sql for the first database (it includes this file);
--   * for a database made for a restore, BEFORE restoring into it:
--       createdb -O ballot_owner ballot_restored
--       psql -v ON_ERROR_STOP=1 -d ballot_restored -f deploy/postgresql-grants.sql
--     then run deploy/restore.sh as ballot_owner, so that the restored tables belong
--     to the owner role and the default privileges below hand the app role its DML;
--   * again after any restore or manual repair, to re-grant on existing tables.
-- Roles are explained in postgresql-setup.sql.

\set ON_ERROR_STOP on
SELECT current_database() AS ballot_database \gset

-- Only our roles may connect.
REVOKE ALL ON DATABASE :"ballot_database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"ballot_database" TO ballot_app, ballot_backup;

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

-- Tables that already exist (a restore, or a database older than these defaults).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ballot_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ballot_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ballot_backup;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ballot_backup;
