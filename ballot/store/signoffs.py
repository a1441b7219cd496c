"""Translation sign-offs: a named committee member vouches for one language's texts.

Union practice is that every side signs off the translations before the notice goes out
(a ballot must mean the same in every language).  A sign-off records who and when, and
the digest of what they read: the English reference and that language's version of
every text, in ballot order.  It stands only while that digest is still the election's:
any change of a text, of the English it translates, or of the order of the ballot,
leaves the old sign-off on record but no longer current, whichever door (form, API,
editor) made the change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class TranslationSignOff(Base):
    """One member's sign-off of one language of one election (the latest replaces theirs)."""

    __tablename__ = "translation_signoffs"
    __table_args__ = (
        UniqueConstraint(
            "election_id", "language", "account_id", name="uq_translation_signoffs_member"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    #: SHA-256 of the texts as signed (see :func:`texts_digest`).
    texts_digest: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class SignOff:
    """A sign-off as shown: who, when, and whether the texts are still the ones signed."""

    language: str
    name: str
    email: str
    at: datetime
    current: bool


def texts_digest(rows: list[tuple[str, str, str]]) -> str:
    """Digest of (label, English, this language's text) for every text in ballot order.

    Labels are positional ("q1-o2"), so database ids, which change when a draft is
    redefined, never enter it; a missing text counts as empty.
    """
    data = json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


async def record_sign_off(
    session: AsyncSession,
    election_id: str,
    language: str,
    account_id: int,
    digest: str,
    now: datetime,
) -> None:
    row = await session.scalar(
        select(TranslationSignOff).where(
            TranslationSignOff.election_id == election_id,
            TranslationSignOff.language == language,
            TranslationSignOff.account_id == account_id,
        )
    )
    if row is None:
        session.add(
            TranslationSignOff(
                election_id=election_id,
                language=language,
                account_id=account_id,
                texts_digest=digest,
                signed_at=now,
            )
        )
    else:
        row.texts_digest, row.signed_at = digest, now
    await session.flush()


async def sign_off_rows(
    session: AsyncSession, election_id: str
) -> list[tuple[TranslationSignOff, str, str]]:
    """Every sign-off of the election with its member's name and address, oldest first."""
    from ballot.store.models import Account

    rows = await session.execute(
        select(TranslationSignOff, Account.name, Account.email)
        .join(Account, Account.id == TranslationSignOff.account_id)
        .where(TranslationSignOff.election_id == election_id)
        .order_by(TranslationSignOff.signed_at, TranslationSignOff.id)
    )
    return [(r[0], r[1], r[2]) for r in rows.all()]
