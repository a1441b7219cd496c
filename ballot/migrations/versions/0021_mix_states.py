"""elections.state: the mix-net's states, "mixing" and "decrypting_mixed" (ranked races)

Revision ID: 0021
Revises: 0020
Create Date: 2027-01-10

After the final result of an election with a ranked race, the trustees shuffle the ranked
ballots (``mixing``) and then decrypt the shuffled ones (``decrypting_mixed``) before the
election is ``tallied`` (PROTOCOL 18).  The check on ``elections.state`` admits them.

The check only widens (every row already passes it), so on SQLite the table is not
rebuilt (``elections`` is referred to by nearly every table, ON DELETE CASCADE): the check
is rewritten in the stored schema, SQLite's documented procedure for changing a CHECK
constraint, bumping ``schema_version`` so that every connection reloads the schema.
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_OLD = "'draft', 'key_ceremony', 'ready', 'open', 'closed', 'tallied', 'certified'"
_NEW = (
    "'draft', 'key_ceremony', 'ready', 'open', 'closed', 'mixing', 'decrypting_mixed', "
    "'tallied', 'certified'"
)
_NAME = "ck_elections_state"


def _rewrite_on_sqlite(old: str, new: str) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'elections'"
    ).scalar()
    if not isinstance(sql, str) or sql.count(f"state IN ({old})") != 1:
        raise RuntimeError("the elections table's state check is not the expected one")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'elections'",
            (sql.replace(f"state IN ({old})", f"state IN ({new})"),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    check = bind.exec_driver_sql("PRAGMA integrity_check").scalar()
    if check != "ok":
        raise RuntimeError(f"the elections table's schema change failed its check: {check}")


def _replace(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_on_sqlite(old, new)
        return
    op.drop_constraint(op.f(_NAME), "elections", type_="check")
    op.create_check_constraint(op.f(_NAME), "elections", f"state IN ({new})")


def upgrade() -> None:
    _replace(_OLD, _NEW)


def downgrade() -> None:
    if (
        op.get_bind()
        .exec_driver_sql(
            "SELECT count(*) FROM elections WHERE state IN ('mixing', 'decrypting_mixed')"
        )
        .scalar()
    ):
        raise RuntimeError("an election is mixing its ranked ballots: finish it first")
    _replace(_NEW, _OLD)
