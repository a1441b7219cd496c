#!/usr/bin/env bash
# Back up one ballot PostgreSQL database: pg_dump custom format, with a SHA-256 file beside it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/backup.sh [-o FILE] [DIR]

Back up the ballot PostgreSQL database to DIR (default: ./backups) as
  <database>-<UTC date and time>.dump         pg_dump custom format (compressed)
  <database>-<UTC date and time>.dump.sha256  its checksum (sha256sum -c reads it)

Which database: DATABASE_URL, else BALLOT_DATABASE_URL (the server's own setting;
a "+asyncpg" driver suffix is fine), else the usual PGHOST, PGPORT, PGUSER,
PGPASSWORD and PGDATABASE variables.  The password never appears on a command line
(a URL is taken apart with python3, or $PYTHON).

Safe while the server runs: pg_dump reads one consistent snapshot, so the board,
the tokens and the ballots in a backup always agree with each other.

  -o FILE   write exactly FILE (and FILE.sha256) instead of a dated name in DIR
  -h        this help

Files are created readable by their owner only (umask 077): the database holds
voter names and addresses.  An existing file is never overwritten; the backup is
written to a temporary name first and only then given its final name, so a
half-written file never looks like a backup.  Restore with deploy/restore.sh.

Not in the database, so not in this backup: the server's secret key file
(BALLOT_SECRET_KEY_FILE), whose Ed25519 key signs the board's heads.  Keep one copy
of it apart from the dumps (it never changes); a restored election continues its
signed-head chain, and `ballot record export` works, only with that same file.
EOF
}

fail() {
  echo "backup.sh: $*" >&2
  exit 1
}

umask 077
output=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -o | --output)
      [ $# -ge 2 ] || fail "-o needs a file name"
      output="$2"; shift 2 ;;
    --) shift; break ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -le 1 ] || fail "too many arguments (see --help)"
directory="${1:-backups}"
[ -z "$output" ] || [ $# -eq 0 ] || fail "give either -o FILE or DIR, not both"

for tool in pg_dump pg_restore sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (Debian: postgresql-client)"
done

# A URL becomes libpq's PG* variables, so the password is not visible in the process list.
url="${DATABASE_URL:-${BALLOT_DATABASE_URL:-}}"
if [ -n "$url" ]; then
  settings="$(
    "${PYTHON:-python3}" - "$url" <<'PY'
import shlex
import sys
from urllib.parse import parse_qs, unquote, urlsplit

url = sys.argv[1]
scheme, sep, rest = url.partition("://")
if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
    sys.exit(f"not a PostgreSQL URL (scheme {scheme.split('+')[0]!r}); back up SQLite by copying the file")
parts = urlsplit("postgresql://" + rest)
values = {
    "PGHOST": parts.hostname,
    "PGPORT": str(parts.port) if parts.port else None,
    "PGUSER": unquote(parts.username) if parts.username else None,
    "PGPASSWORD": unquote(parts.password) if parts.password else None,
    "PGDATABASE": unquote(parts.path.lstrip("/")) or None,
}
known = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "host": "PGHOST", "port": "PGPORT"}
for key, items in parse_qs(parts.query).items():
    if key in known:
        values[known[key]] = items[-1]
for name, value in values.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
  )" || fail "cannot use the database URL"
  eval "$settings"
fi
database="${PGDATABASE:-}"
[ -n "$database" ] || fail "no database named: set DATABASE_URL or PGDATABASE (see --help)"

if [ -z "$output" ]; then
  mkdir -p "$directory"
  output="$directory/$database-$(date -u +%Y%m%dT%H%M%SZ).dump"
fi
[ ! -e "$output" ] || fail "$output already exists; not overwriting it"
[ ! -e "$output.sha256" ] || fail "$output.sha256 already exists; not overwriting it"
folder="$(dirname "$output")"
name="$(basename "$output")"
[ -d "$folder" ] || fail "folder $folder does not exist"

partial="$(mktemp "$folder/.$name.XXXXXX")"
trap 'rm -f "$partial" "$partial.sha256"' EXIT
pg_dump --no-password --format=custom --file="$partial" "$database" ||
  fail "pg_dump of database $database failed"
pg_restore --list "$partial" >/dev/null || fail "the dump is not readable by pg_restore"
# The checksum names the final file, so `sha256sum -c` works in that folder.
printf '%s  %s\n' "$(sha256sum "$partial" | cut -d' ' -f1)" "$name" >"$partial.sha256"
# ln refuses an existing name (atomically), unlike mv.
ln "$partial" "$output" 2>/dev/null || fail "$output appeared meanwhile; not overwriting it"
if ! ln "$partial.sha256" "$output.sha256" 2>/dev/null; then
  rm -f "$output"
  fail "$output.sha256 appeared meanwhile; not overwriting it"
fi
echo "backed up database $database to $output ($(wc -c <"$output") bytes; checksum in $output.sha256)"
