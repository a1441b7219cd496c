"""An open officer election with races, as the member's page reads it (no database).

The manifest has a ranked race for everyone (rotated), a choose race for two seats
(alphabetical), a ranked race of the unit North and a choose race of the unit South.  The
page is made by :func:`ballot.web.ballot_page.ballot_page` from rows built in memory, with
a real 1-of-1 key ceremony, so the browser can encrypt and audit a ballot on it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ballot.crypto.ceremony import local_ceremony
from ballot.crypto.manifest import manifest_hash
from ballot.store.models import Election, Voter
from ballot.store.tokens import TokenLookup


def _candidates(q: int, names: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"id": f"q{q}-o{i}", "position": i, "text": {"en": en, "ko": ko}}
        for i, (en, ko) in enumerate(names, start=1)
    ]


PRESIDENT = [
    ("Ana Ruiz", "아나 루이스"),
    ("Ben Okafor", "벤 오카포"),
    ("Chen Wei", "천웨이"),
    ("Dolores Park", "박돌로레스"),
    ("Emeka Obi", "에메카 오비"),
]
TRUSTEES = [
    ("Zoe Hart", "조 하트"),
    ("amir Khan", "아미르 칸"),
    ("Li Na", "리나"),
    ("Bea Cruz", "베아 크루즈"),
]
STEWARDS = [
    ("Fay Green", "페이 그린"),
    ("Gus Lee", "거스 리"),
    ("Hana Kim", "김하나"),
    ("Ivo Tan", "이보 탄"),
]
DELEGATE = [("Jo Marsh", "조 마시"), ("Kit Moss", "킷 모스")]

MANIFEST: dict[str, Any] = {
    "election_id": "eraces0000001",
    "kind": "officer",
    "title": {"en": "Officer elections 2026", "ko": "2026년 임원 선거"},
    "instructions": {"en": "Vote in each race.", "ko": "각 선거에 투표하십시오."},
    "languages": ["en", "ko"],
    "allow_blank": True,
    "opens_at": "2026-05-02T09:00:00+00:00",
    "closes_at": "2026-05-09T17:00:00+00:00",
    "trustees": {"n": 1, "k": 1},
    "time_zone": "UTC",
    "questions": [
        {
            "id": "q1",
            "position": 1,
            "min": 0,
            "max": 3,
            "ranked": True,
            "method": "instant_runoff",
            "seats": 1,
            "order": "rotated",
            "text": {"en": "President", "ko": "위원장"},
            "options": _candidates(1, PRESIDENT),
        },
        {
            "id": "q2",
            "position": 2,
            "min": 0,
            "max": 2,
            "order": "alphabetical",
            "text": {"en": "Trustees", "ko": "감사"},
            "options": _candidates(2, TRUSTEES),
        },
        {
            "id": "q3",
            "position": 3,
            "min": 0,
            "max": 3,
            "ranked": True,
            "method": "scottish_stv",
            "seats": 2,
            "unit": "North",
            "text": {"en": "North stewards", "ko": "북부 대의원"},
            "options": _candidates(3, STEWARDS),
        },
        {
            "id": "q4",
            "position": 4,
            "min": 1,
            "max": 1,
            "unit": "South",
            "text": {"en": "South delegate", "ko": "남부 대표"},
            "options": _candidates(4, DELEGATE),
        },
    ],
    "rule": {
        "kind": "plurality",
        "threshold": "1/2",
        "quorum_fraction": None,
        "quorum_count": None,
        "approve_option": "yes",
    },
    "board_key": {"algorithm": "ed25519", "public_key": "11" * 32},
}


@lru_cache(maxsize=4)
def ceremony(manifest_text: str) -> tuple[str, str]:
    """(transcript JSON, joint key hex) of a 1-of-1 ceremony over the manifest."""
    transcript, _secrets = local_ceremony(1, 1, manifest_hash(json.loads(manifest_text)))
    return json.dumps(transcript), str(transcript["joint_public_key"])


def member(
    unit: str, alias: str, language: str = "en", manifest: dict[str, Any] | None = None
) -> TokenLookup:
    """A member of ``unit`` with an active link to the open election."""
    text = json.dumps(manifest or MANIFEST)
    transcript, key = ceremony(text)
    election = Election(
        id=(manifest or MANIFEST)["election_id"],
        kind="officer",
        state="open",
        manifest=text,
        ceremony=transcript,
        joint_public_key=key,
        closes_at=datetime(2026, 5, 9, 17, tzinfo=UTC),
        revoting=False,
        board_key="11" * 32,
    )
    voter = Voter(
        id=1,
        election_id=election.id,
        member_id="M1",
        name="A Member",
        language=language,
        unit=unit,
        alias=alias,
        challenged=False,
    )
    return TokenLookup(1, "active", voter, election)
