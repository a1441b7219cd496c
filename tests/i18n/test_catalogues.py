"""Every language has every message, with the same placeholders, and loads through gettext."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from ballot.i18n import LANGUAGES, LOCALE_DIR, gettext, jinja_env_for
from ballot.mail.messages import TEMPLATES

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")
#: Strings the voter and committee pages rely on (their exact English msgids).
UI = [
    "Vote", "Cast my ballot", "Your ballot", "Choose one", "Choose up to %(max)s",
    "Choose between %(min)s and %(max)s", "You have already voted.",
    "This link is not valid. It may have expired or been replaced.", "Voting is closed.",
    "Voting has not opened yet.", "Your ballot is encrypted on this device before it is sent.",
    "Check my ballot (audit)", "Your tracker",
    "Keep this tracker to find your ballot on the public board.", "Find my tracker", "Language",
    "Log in", "Log out", "Password", "Email", "Election committee", "Observer", "Turnout",
    "Voted", "Not voted", "Bulletin board", "Results",
    "This page needs JavaScript to encrypt your ballot on your device. Please turn JavaScript on, or use another browser.",
    "Review your choice", "Change my choice", "Submitting…", "Your ballot was counted.",
    "Receipt", "Help", "Blank ballot", "Skip this question",
]  # fmt: skip
TRANSLATED = [code for code in LANGUAGES if code != "en"]
#: Words that really are spelled as in English in a language (else a translation is missing).
SAME_AS_ENGLISH = {"Password", "Email", "Email:", "Email: %(address)s"}
SAME_IN = {"es": {"no", "No"}}
#: Same keywords as the extraction command in ballot/locale/babel.cfg.  ballot.i18n.gettext
#: takes the language first, so its msgid is the second of two arguments.
KEYWORDS = {
    "_": None,
    "gettext": {1: (1,), 2: (2,)},
    "ngettext": {3: (1, 2), 4: (2, 3)},
}
REPO = LOCALE_DIR.parent.parent


def singular(message_id: str | tuple[str, ...]) -> str:
    """A message's id as the code names it: the singular of a message with plural forms."""
    return message_id if isinstance(message_id, str) else message_id[0]


def english_set() -> set[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as fh:
        return {singular(m.id) for m in read_po(fh) if m.id}


def catalogue(code: str):
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def template_msgids() -> set[str]:
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    found = set()
    for path in Path(TEMPLATES).iterdir():
        for _line, _func, msg in env.extract_translations(path.read_text(encoding="utf-8")):
            found.add(msg if isinstance(msg, str) else msg[0])
    return found


def test_english_set_covers_the_email_templates_and_ui_strings() -> None:
    english = english_set()
    mail = template_msgids()
    assert len(mail) > 10
    assert mail <= english, f"missing from messages.pot: {sorted(mail - english)}"
    assert set(UI) <= english, f"missing from messages.pot: {sorted(set(UI) - english)}"
    subjects = {
        "Your ballot: %(title)s",
        "Reminder: you have not voted yet (%(title)s)",
        "Test message from ballot",
    }
    assert subjects <= english


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_translates_every_message_with_the_same_placeholders(code: str) -> None:
    cat = catalogue(code)
    assert cat.locale is not None
    header = dict(cat.mime_headers)
    assert header["Language"] == code
    assert header["Content-Type"].lower() == "text/plain; charset=utf-8"
    assert "Plural-Forms" in header and "nplurals=" in header["Plural-Forms"]
    english = english_set()
    ids = {singular(m.id) for m in cat if m.id}
    assert english - ids == set(), f"untranslated in {code}"
    assert ids - english == set(), f"{code} has messages not in messages.pot"
    for m in cat:
        if not m.id:
            continue
        if isinstance(m.id, tuple):  # a plural entry: one form per plural of the language
            forms = m.string if isinstance(m.string, tuple) else (m.string,)
            assert len(forms) == cat.num_plurals, f"{code}: {len(forms)} forms for {m.id[1]!r}"
            for form in forms:
                assert form and form.strip(), f"{code}: empty plural form of {m.id[1]!r}"
                assert sorted(PLACEHOLDER.findall(m.id[1])) == sorted(PLACEHOLDER.findall(form))
            assert not m.fuzzy, f"{code}: fuzzy translation of {m.id[1]!r}"
            continue
        assert m.string and m.string.strip(), f"{code}: empty translation of {m.id!r}"
        assert not m.fuzzy, f"{code}: fuzzy translation of {m.id!r}"
        assert sorted(PLACEHOLDER.findall(m.id)) == sorted(PLACEHOLDER.findall(m.string)), (
            f"{code}: placeholders differ in {m.id!r} -> {m.string!r}"
        )
        if m.string.strip() != m.id:
            continue
        # Identical to English only where the word is the same in that language.
        assert m.id in SAME_AS_ENGLISH | SAME_IN.get(code, set()), (
            f"{code}: {m.id!r} left in English"
        )


def extracted_msgids() -> set[str]:
    """Every msgid the code and templates use, found as `pybabel extract` finds them."""
    with (LOCALE_DIR / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    package = REPO / "ballot"

    def inside_package(path: str) -> bool:
        name = Path(path).name
        return Path(path).is_relative_to(package) and not name.startswith(("_", "."))

    found = set()
    for _file, _line, msg, _comments, _context in extract_from_dir(
        REPO, method_map, options_map, keywords=KEYWORDS, directory_filter=inside_package
    ):
        found.add(msg if isinstance(msg, str) else msg[0])
    return found


@pytest.fixture(scope="module")
def code_msgids() -> set[str]:
    return extracted_msgids()


def test_extraction_finds_python_and_template_strings(code_msgids: set[str]) -> None:
    # One string from each kind of source, so a broken mapping cannot pass as "nothing new".
    assert "Test message from ballot" in code_msgids  # gettext(language, ...) in ballot/mail
    assert "Encrypting your ballot…" in code_msgids  # _(...) in ballot/web Python
    assert "Open my ballot" in code_msgids  # mail template
    assert "Skip to content" in code_msgids  # web template
    assert code_msgids <= english_set(), (
        f"run the extraction in ballot/locale/babel.cfg: {sorted(code_msgids - english_set())}"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_string_in_the_code_is_translated(code: str, code_msgids: set[str]) -> None:
    translated = {m.id for m in catalogue(code) if m.id and m.string and not m.fuzzy}
    ids = {m if isinstance(m, str) else m[0] for m in translated}
    missing = sorted(code_msgids - ids)
    assert not missing, f"{code}: untranslated strings from the code: {missing}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_compiles_and_serves_translations(code: str) -> None:
    assert gettext(code, "Voting is closed.") != "Voting is closed."
    assert "%(max)s" in gettext(code, "Choose up to %(max)s")
    env = jinja_env_for(code, loader=None, autoescape=True)  # type: ignore[arg-type]
    rendered = env.from_string('{{ _("Choose up to %(max)s", max=3) }}').render()
    assert "3" in rendered and "%(" not in rendered
    assert gettext(code, "no such message") == "no such message"


def test_english_needs_no_catalogue() -> None:
    assert gettext("en", "Voting is closed.") == "Voting is closed."
    env = jinja_env_for("en", loader=None)  # type: ignore[arg-type]
    assert env.from_string('{{ _("Choose up to %(max)s", max=2) }}').render() == "Choose up to 2"
