#!/usr/bin/env bash
# Restore a deploy/backup.sh dump into a NEW PostgreSQL database (never over a live one).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/restore.sh [--skip-checksum] DUMP NEW_DATABASE

Restore DUMP (made by deploy/backup.sh) into the database NEW_DATABASE on the
PostgreSQL server named by DATABASE_URL, else BALLOT_DATABASE_URL, else the usual
PGHOST, PGPORT, PGUSER and PGPASSWORD variables (the database in the URL is only
used to reach the server; a URL is taken apart with python3, or $PYTHON, so the
password never appears on a command line).

  * DUMP.sha256 must be beside DUMP, and every file it lists (DUMP, and DUMP.key if
    the server key was saved) must match it (--skip-checksum: do not check);
  * NEW_DATABASE is created (createdb); an existing database is used only if it
    is empty: a database with any table in it is refused, so a restore can never
    land on top of live data;
  * pg_restore --no-owner --no-acl --exit-on-error --single-transaction: objects
    belong to the user running the restore, and any error stops it with nothing
    restored (a database this script created is then dropped again).

Then install DUMP.key (the server's secret key file saved with the backup) as the
new server's BALLOT_SECRET_KEY_FILE, mode 0600, and point the server at the database:
  BALLOT_DATABASE_URL=postgresql+asyncpg://USER@HOST:PORT/NEW_DATABASE ballot serve
EOF
}

fail() {
  echo "restore.sh: $*" >&2
  exit 1
}

umask 077
check=1
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --skip-checksum) check=0; shift ;;
    --) shift; break ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || fail "give the dump file and the new database's name (see --help)"
dump="$1"
target="$2"
[[ "$target" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] ||
  fail "database name '$target' must be letters, digits and _ (at most 63, not starting with a digit)"
[ -f "$dump" ] || fail "$dump is not a file"

for tool in pg_restore createdb dropdb psql sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (Debian: postgresql-client)"
done

# A URL becomes libpq's PG* variables, so the password is not visible in the process list.
url="${DATABASE_URL:-${BALLOT_DATABASE_URL:-}}"
if [ -n "$url" ]; then
  settings="$("${PYTHON:-python3}" "$(dirname "$0")/pg-url-env.py" "$url")" || fail "cannot use the database URL"
  eval "$settings"
fi
unset PGDATABASE
maintenance="${PGMAINTENANCE_DB:-postgres}"

if [ "$check" = 1 ]; then
  [ -f "$dump.sha256" ] || fail "$dump.sha256 is missing (use --skip-checksum to restore anyway)"
  awk -v name="$(basename "$dump")" '$2 == name { found = 1 } END { exit !found }' "$dump.sha256" ||
    fail "$dump.sha256 does not list $(basename "$dump") (was the dump renamed?)"
  (cd "$(dirname "$dump")" && sha256sum --quiet --strict -c "$(basename "$dump").sha256") ||
    fail "$dump or a file saved with it does not match its checksum: damaged or changed; not restoring it"
fi
pg_restore --list "$dump" >/dev/null 2>&1 || fail "$dump is not a pg_dump custom-format file"

sql() { # sql DATABASE QUERY: one value; -v target=... for safe quoting (stdin, so :'target' works)
  echo "$2" | psql --no-password -X -q -t -A -v ON_ERROR_STOP=1 -v target="$target" -d "$1"
}
exists="$(sql "$maintenance" "SELECT count(*) FROM pg_database WHERE datname = :'target'")" ||
  fail "cannot reach the PostgreSQL server"
created=0
if [ "$exists" = 1 ]; then
  tables="$(sql "$target" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'")" ||
    fail "cannot look into database $target"
  [ "$tables" = 0 ] || fail "database $target already exists and is not empty ($tables tables); restore into a new database"
else
  createdb --no-password --maintenance-db="$maintenance" "$target" || fail "createdb $target failed"
  created=1
fi

if ! pg_restore --no-password --no-owner --no-acl --exit-on-error --single-transaction \
  --dbname="$target" "$dump"; then
  if [ "$created" = 1 ]; then
    dropdb --no-password --maintenance-db="$maintenance" "$target" || true
  fi
  fail "pg_restore failed; nothing was restored"
fi
echo "restored $dump into database $target"
if [ -f "$dump.key" ]; then
  echo "the server key file saved with it is $dump.key: install it as BALLOT_SECRET_KEY_FILE"
fi
