"""The election's texts named for a person, in the page's language: "Question 2, option 1",
never the stored key ``option:17`` or the English "question 2 option 1" of error messages.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.elections import COMMITTEE_KEY, questions_of


async def text_labels(
    session: AsyncSession, election_id: str, gettext: Callable[[str], str]
) -> dict[str, str]:
    """Text key -> its name in the reader's language, for every text of the election."""
    _ = gettext
    labels = {
        "title": _("Title"),
        "instructions": _("Instructions for members"),
        COMMITTEE_KEY: _("Committee name"),
    }
    for q, options in await questions_of(session, election_id):
        labels[f"question:{q.id}"] = _("Question %(n)s") % {"n": q.position}
        for o in options:
            labels[f"option:{o.id}"] = _("Question %(q)s, option %(n)s") % {
                "q": q.position,
                "n": o.position,
            }
    return labels
