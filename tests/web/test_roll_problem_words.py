"""Every problem a roll file can have is shown in the page's language, not the rules' English."""

from __future__ import annotations

from ballot.election.roll import RollRow, parse_roll, validate_against_existing
from ballot.i18n import translations
from ballot.web.roll_problem_words import problem_text

HEADER = "member_id,name,email,language,unit,challenged\n"
BAD_ROWS = (
    ",Ana,ana@example.org,es,North,\n"  # empty member number
    "M2," + "x" * 300 + ",b@example.org,en,North,\n"  # too long
    "M3,Ben,ben at example,en,North,\n"  # not an address
    "M4,Chen\x07,chen@example.org,en,North,\n"  # a control character
    "M5,Dora,dora@example.org,,North,\n"  # no language
    "M6,Eve,eve@example.org,zh-TW,North,\n"  # Traditional Chinese
    "M7,Fay,fay@example.org,fr,North,\n"  # a language ballot lacks
    "M8,Gus,gus@example.org,en,North,maybe\n"  # challenged?
    "M9,Hal,hal@example.org,en,North,,extra\n"  # a field too many
    "M10,Ida,ida@example.org,en,North,\n"
    "M10,Ida again,ida@example.org,en,North,\n"  # repeats
)
BAD_FILES = (
    b"\xff\xfe not utf-8",
    b"",
    b"member_id,,email\n",
    b"member_id,name,email,language,shoe_size\n",
    b"member_id,member_id,name,email,language\n",
    b"name,email\n",
    b'member_id,name,email,language\nM1,"unclosed,a@example.org,en\n',
)


def messages() -> list[str]:
    found = [e.message for e in parse_roll(HEADER + BAD_ROWS).errors]
    for raw in BAD_FILES:
        found += [e.message for e in parse_roll(raw).errors]
    row = RollRow("M1", "Ana", "ana@example.org", "es", "North", False, line=2)
    found += [e.message for e in validate_against_existing([row], {"M1"}, {"ana@example.org"})]
    return found


def test_every_roll_problem_has_words_in_every_language() -> None:
    found = messages()
    assert len(set(found)) >= 15, found
    for language in ("es", "ko", "zh", "vi", "tl"):
        gettext = translations(language).gettext
        untranslated = [m for m in found if problem_text(m, gettext) == m]
        assert untranslated == [], (language, untranslated)
    assert problem_text("ben at example' is odd", lambda m: m) == "ben at example' is odd"
    ko = translations("ko").gettext
    assert (
        problem_text("member M10 is also on line 11", ko)
        == "회원 번호 M10이(가) 11행에도 있습니다."
    )
