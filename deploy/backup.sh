#!/usr/bin/env bash
# Back up one ballot PostgreSQL database: pg_dump custom format, with a SHA-256 file beside it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/backup.sh [-o FILE] [--key-file KEY | --no-key] [DIR]

Back up the ballot PostgreSQL database to DIR (default: ./backups) as
  <database>-<UTC date and time>.dump         pg_dump custom format (compressed)
  <database>-<UTC date and time>.dump.key     a copy of the server's secret key file
  <database>-<UTC date and time>.dump.sha256  their checksums (sha256sum -c reads it)

Which database: DATABASE_URL, else BALLOT_DATABASE_URL (the server's own setting;
a "+asyncpg" driver suffix is fine), else the usual PGHOST, PGPORT, PGUSER,
PGPASSWORD and PGDATABASE variables.  The password never appears on a command line
(a URL is taken apart with python3, or $PYTHON).

Safe while the server runs: pg_dump reads one consistent snapshot, so the board,
the tokens and the ballots in a backup always agree with each other.

  -o FILE        write exactly FILE (and FILE.key, FILE.sha256), not a dated name in DIR
  --key-file KEY the server's secret key file to save (default: BALLOT_SECRET_KEY_FILE)
  --no-key       save no key file (keep it elsewhere yourself)
  -h             this help

Files are created readable by their owner only (umask 077): the database holds
voter names and addresses.  An existing file is never overwritten; the backup is
written to a temporary name first and only then given its final name, so a
half-written file never looks like a backup.  Restore with deploy/restore.sh.

The server's secret key file (BALLOT_SECRET_KEY_FILE) is not in the database, but
its Ed25519 key signs the board's heads: a restored election continues its signed-head
chain, and `ballot record export` works, only with that same file.  So it is saved
beside the dump (DUMP.key) unless --no-key is given; with neither --key-file nor
BALLOT_SECRET_KEY_FILE set, the backup is refused rather than silently incomplete.
It is as secret as the database: whoever holds it can sign heads as the server.
EOF
}

fail() {
  echo "backup.sh: $*" >&2
  exit 1
}

umask 077
output=""
key="${BALLOT_SECRET_KEY_FILE:-}"
keep_key=1
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -o | --output)
      [ $# -ge 2 ] || fail "-o needs a file name"
      output="$2"; shift 2 ;;
    --key-file)
      [ $# -ge 2 ] || fail "--key-file needs a file name"
      key="$2"; shift 2 ;;
    --no-key) keep_key=0; shift ;;
    --) shift; break ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -le 1 ] || fail "too many arguments (see --help)"
directory="${1:-backups}"
[ -z "$output" ] || [ $# -eq 0 ] || fail "give either -o FILE or DIR, not both"

if [ "$keep_key" = 1 ]; then
  [ -n "$key" ] || fail "which server key file? set BALLOT_SECRET_KEY_FILE, or give --key-file or --no-key"
  [ -f "$key" ] && [ -r "$key" ] || fail "cannot read the server key file $key"
fi
for tool in pg_dump pg_restore sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (Debian: postgresql-client)"
done

# A URL becomes libpq's PG* variables, so the password is not visible in the process list.
url="${DATABASE_URL:-${BALLOT_DATABASE_URL:-}}"
if [ -n "$url" ]; then
  settings="$("${PYTHON:-python3}" "$(dirname "$0")/pg-url-env.py" "$url")" || fail "cannot use the database URL"
  eval "$settings"
fi
database="${PGDATABASE:-}"
[ -n "$database" ] || fail "no database named: set DATABASE_URL or PGDATABASE (see --help)"

if [ -z "$output" ]; then
  mkdir -p "$directory"
  output="$directory/$database-$(date -u +%Y%m%dT%H%M%SZ).dump"
fi
for file in "$output" "$output.key" "$output.sha256"; do
  [ ! -e "$file" ] || fail "$file already exists; not overwriting it"
done
folder="$(dirname "$output")"
name="$(basename "$output")"
[ -d "$folder" ] || fail "folder $folder does not exist"

partial="$(mktemp "$folder/.$name.XXXXXX")"
trap 'rm -f "$partial" "$partial.key" "$partial.sha256"' EXIT
pg_dump --no-password --format=custom --file="$partial" "$database" ||
  fail "pg_dump of database $database failed"
pg_restore --list "$partial" >/dev/null || fail "the dump is not readable by pg_restore"
# The checksums name the final files, so `sha256sum -c` works in that folder.
printf '%s  %s\n' "$(sha256sum "$partial" | cut -d' ' -f1)" "$name" >"$partial.sha256"
suffixes=("" ".sha256")
if [ "$keep_key" = 1 ]; then
  cp "$key" "$partial.key" || fail "cannot copy the server key file $key"
  printf '%s  %s\n' "$(sha256sum "$partial.key" | cut -d' ' -f1)" "$name.key" >>"$partial.sha256"
  suffixes=("" ".key" ".sha256")
fi
# ln refuses an existing name (atomically), unlike mv; the checksum file comes last, so a
# backup with its .sha256 in place is complete.
linked=()
for suffix in "${suffixes[@]}"; do
  if ! ln "$partial$suffix" "$output$suffix" 2>/dev/null; then
    rm -f "${linked[@]}"
    fail "$output$suffix appeared meanwhile; not overwriting it"
  fi
  linked+=("$output$suffix")
done
saved="checksums in $output.sha256"
[ "$keep_key" = 0 ] || saved="server key in $output.key, $saved"
echo "backed up database $database to $output ($(wc -c <"$output") bytes; $saved)"
