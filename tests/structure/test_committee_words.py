"""Every internal name a committee page can show has words (``ballot/web/committee_words.py``):
each act the activity log records, each state, each voting-link and mail state and kind."""

from __future__ import annotations

import ast
from pathlib import Path

from ballot.election.lifecycle import State
from ballot.store.outbox import KINDS, STATUSES
from ballot.store.roll_search import LINK_STATES
from ballot.web import committee_words

BALLOT = Path(__file__).resolve().parents[2] / "ballot"


def logged_actions() -> set[str]:
    """The ``action`` of every ``log_activity(...)`` call in ballot/ (both arms of an if)."""
    found: set[str] = set()
    for path in BALLOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name != "log_activity":
                continue
            action = node.args[2] if len(node.args) > 2 else None
            action = action or next((k.value for k in node.keywords if k.arg == "action"), None)
            found |= {
                c.value
                for c in ast.walk(action or ast.Constant(None))
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return found


def test_every_logged_act_has_words() -> None:
    acts = logged_actions()
    assert len(acts) > 30  # the walk finds them
    assert acts - committee_words.ACTIONS.keys() == set()


def test_every_state_link_and_mail_state_has_words() -> None:
    assert {s.value for s in State} == committee_words.STATES.keys()
    assert set(STATUSES) == committee_words.MAIL_STATUSES.keys()
    assert set(KINDS) == committee_words.MAIL_KINDS.keys()
    assert set(LINK_STATES) - {"none"} <= committee_words.TOKENS.keys()
    assert committee_words.actor_words("account:ana@example.org") == "ana@example.org"
    assert committee_words.actor_words("scheduler") == "The schedule (automatic)"
