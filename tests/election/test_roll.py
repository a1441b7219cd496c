from __future__ import annotations

import pytest

from ballot.election.roll import (
    RollError,
    RollRow,
    language_code,
    parse_roll,
    validate_against_existing,
)
from ballot.i18n import LANGUAGES

HEADER = "member_id,name,email,language,unit,challenged\n"


def errors_of(text: str | bytes) -> set[tuple[int, str | None]]:
    return {(e.line, e.column) for e in parse_roll(text).errors}


def test_good_roll() -> None:
    report = parse_roll(
        HEADER
        + "M001,Ana López,Ana@Example.ORG,es-MX,North,\n"
        + "M002,Ben Carter,ben@example.org,EN,North,yes\n"
        + "M003,Chen Wei,chen@example.org,zh_Hans,South,0\n"
    )
    assert report.ok and report.errors == []
    assert report.rows == [
        RollRow("M001", "Ana López", "ana@example.org", "es", "North", False, 2),
        RollRow("M002", "Ben Carter", "ben@example.org", "en", "North", True, 3),
        RollRow("M003", "Chen Wei", "chen@example.org", "zh", "South", False, 4),
    ]
    assert report.lines == [2, 3, 4]


def test_only_required_columns_any_order_and_local_alias() -> None:
    report = parse_roll("Email,Language,Name,Member ID,Local\nx@example.org,ko,Kim,K1,Local 7\n")
    assert report.ok
    assert report.rows[0].unit == "Local 7" and report.rows[0].challenged is False
    minimal = parse_roll("member_id,name,email,language\nK1,Kim,x@example.org,ko\n")
    assert minimal.ok and minimal.rows[0].unit == ""


def test_bom_crlf_blank_lines_and_trailing_empty_cells() -> None:
    text = (
        "\ufeffmember_id,name,email,language\r\n"
        "M1,One,one@example.org,en\r\n"
        "\r\n"
        ",,,\r\n"
        "M2,Two,two@example.org,vi,,\r\n"
    )
    report = parse_roll(text)
    assert report.ok, report.errors
    assert [(r.member_id, r.line) for r in report.rows] == [("M1", 2), ("M2", 5)]
    assert parse_roll(text.encode("utf-8")).ok


def test_missing_and_unknown_header_columns() -> None:
    report = parse_roll("member_id,name,mail,language\nM1,A,a@example.org,en\n")
    messages = [e.message for e in report.errors]
    assert any("unknown column 'mail'" in m for m in messages)
    assert any("missing required column(s): email" in m for m in messages)
    assert all(e.line == 1 for e in report.errors) and report.rows == []
    assert errors_of("member_id,name,email,language,unit,local\n") == {(1, "unit")}
    assert not parse_roll("").ok and not parse_roll("\n\n").ok


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (",Name,a@example.org,en,,", "member_id"),
        ("M1,,a@example.org,en,,", "name"),
        ("M1,Name,,en,,", "email"),
        ("M1,Name,a@example.org,,,", "language"),
        ("M1,Name,not-an-email,en,,", "email"),
        ("M1,Name,a@@example.org,en,,", "email"),
        ("M1,Name,a@example,en,,", "email"),
        ("M1,Name,a b@example.org,en,,", "email"),
        ("M1,Name,.a@example.org,en,,", "email"),
        ("M1,Name,a@-example.org,en,,", "email"),
        ("M1,Name,a@example.org,xx,,", "language"),
        ("M1,Name,a@example.org,fr,,", "language"),
        ("M1,Name,a@example.org,zh-TW,,", "language"),
        ("M1,Name,a@example.org,en,,maybe", "challenged"),
        ("M" + "1" * 64 + ",Name,a@example.org,en,,", "member_id"),
        ("M1," + "N" * 201 + ",a@example.org,en,,", "name"),
        ("M1,Name," + "a" * 250 + "@example.org,en,,", "email"),
        ("M1,Name,a@example.org,en," + "U" * 101 + ",", "unit"),
        ('M1,"Na\nme",a@example.org,en,,', "name"),
        ("M1,Na\x07me,a@example.org,en,,", "name"),
    ],
)
def test_row_problems_named_by_line_and_column(row: str, column: str) -> None:
    report = parse_roll(HEADER + "M0,Fine,fine@example.org,en,,\n" + row + "\n")
    assert (3, column) in {(e.line, e.column) for e in report.errors}
    assert all(e.line == 3 for e in report.errors)
    assert not report.ok and [r.member_id for r in report.rows] == ["M0"]


def test_unknown_language_is_never_defaulted() -> None:
    report = parse_roll(HEADER + "M1,Name,a@example.org,klingon,,\n")
    assert not report.ok
    assert "unknown language 'klingon'" in report.errors[0].message
    assert "Traditional" in parse_roll(HEADER + "M1,N,a@example.org,zh-Hant,,\n").errors[0].message


def test_language_names_and_codes() -> None:
    assert {code: language_code(code) for code in LANGUAGES} == {c: c for c in LANGUAGES}
    assert language_code("Spanish") == "es" and language_code("Español") == "es"
    assert language_code("fil-PH") == "tl" and language_code("Filipino") == "tl"
    assert language_code("zh-CN") == "zh" and language_code("zh-Hant-TW") is None
    assert language_code("") is None and language_code("pt") is None


def test_duplicates_reported_on_the_repeat_naming_the_first_line() -> None:
    report = parse_roll(
        HEADER
        + "M1,Good Row,good@example.org,en,North,\n"  # line 2
        + "M2,No Email,,en,North,\n"  # line 3
        + "M3,Bad Language,three@example.org,xx,North,\n"  # line 4
        + "m1,Same Member,other@example.org,en,North,\n"  # line 5 (case differs)
        + "M5,Same Email,GOOD@example.org,en,North,\n"  # line 6
    )
    by_line = {(e.line, e.column): e.message for e in report.errors}
    assert set(by_line) == {(3, "email"), (4, "language"), (5, "member_id"), (6, "email")}
    assert "also on line 2" in by_line[(5, "member_id")]
    assert "also on line 2" in by_line[(6, "email")]
    assert [e.line for e in report.errors] == sorted(e.line for e in report.errors)
    assert [r.line for r in report.rows] == [2]


def test_wrong_field_counts_and_quoted_multiline_line_numbers() -> None:
    report = parse_roll(
        HEADER
        + "M1,One,one@example.org,en,,,extra\n"  # line 2
        + "M2,Two\n"  # line 3
        + 'M3,"Three, Jr.",three@example.org,en,"A\nB",\n'  # lines 4-5
        + "M4,Four,four@example.org,tl,,\n"  # line 6
    )
    assert {(e.line, e.column) for e in report.errors} == {(2, None), (3, None), (4, "unit")}
    assert [r.line for r in report.rows] == [6]


def test_not_utf8_is_reported_with_its_line() -> None:
    report = parse_roll((HEADER + "M1,Jos\xe9,a@example.org,es,,\n").encode("latin-1"))
    assert report.errors == [RollError(2, None, report.errors[0].message)]
    assert "UTF-8" in report.errors[0].message


def test_nul_byte_is_a_clear_error() -> None:
    report = parse_roll(HEADER + "M1,A\0B,a@example.org,en,,\n")
    assert not report.ok


def test_validate_against_existing() -> None:
    report = parse_roll(
        HEADER + "M100,New,new@example.org,en,,\nm001,Clash,clash@example.org,en,,\n"
        "M101,Mail Clash,BEN@example.org,en,,\n"
    )
    errors = validate_against_existing(report.rows, {"M001", "M002"}, {"Ben@example.org"})
    assert {(e.line, e.column) for e in errors} == {(3, "member_id"), (4, "email")}
    assert validate_against_existing(report.rows, [], []) == []


def big_roll(members: int) -> str:
    languages = list(LANGUAGES)
    lines = [HEADER.strip()]
    for i in range(members):
        lines.append(
            f"M{i:07d},Member {i},member{i}@example.org,{languages[i % len(languages)]},"
            f"Local {i % 40}," + ("yes" if i % 997 == 0 else "")
        )
    return "\r\n".join(lines) + "\r\n"


def test_large_roll_parses_and_finds_one_duplicate() -> None:
    text = big_roll(60_000)
    report = parse_roll(text)
    assert report.ok and len(report.rows) == 60_000
    assert sum(r.challenged for r in report.rows) == len(range(0, 60_000, 997))
    dup = text + "M9999999,Late,member59999@example.org,en,,\r\n"
    bad = parse_roll(dup)
    assert [(e.line, e.column) for e in bad.errors] == [(60_002, "email")]
    assert "also on line 60001" in bad.errors[0].message


@pytest.mark.slow
def test_full_size_roll() -> None:
    """A UPS-size roll parses whole (its speed is bench/roll.py's figure, not a test's)."""
    report = parse_roll(big_roll(260_000))
    assert report.ok and len(report.rows) == 260_000
