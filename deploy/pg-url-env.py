#!/usr/bin/env python3
"""Print a PostgreSQL URL as libpq's PG* variables, as shell `export` lines.

backup.sh and restore.sh take the database from DATABASE_URL / BALLOT_DATABASE_URL
(the service's own setting, `postgresql+asyncpg://...` included) but run pg_dump and
pg_restore with PG* variables, so that the password never appears in the process
list.  Usage: pg-url-env.py URL   (exit status 1 with a reason if it is not usable)
"""

import shlex
import sys
from urllib.parse import parse_qs, unquote, urlsplit

url = sys.argv[1] if len(sys.argv) == 2 else ""
scheme, sep, rest = url.partition("://")
if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
    sys.exit(
        f"not a PostgreSQL URL (scheme {scheme.split('+')[0]!r}); "
        "an SQLite database is backed up by copying its file"
    )
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
