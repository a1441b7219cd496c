"""JSON API under /api/: the same acts as the committee pages, for tests and the trustee CLI.

The controllers live by subject: :mod:`.account_api` (signing in, accounts),
:mod:`.election_api` (definitions, states, trustees, the ceremony), :mod:`.roll_api`
(the roll, voters' links, reports), :mod:`.ceremony_api` (the remote ceremony's rounds)
and :mod:`.count_api` (the count).
"""

from __future__ import annotations

from ballot.web.account_api import ACCOUNT_CONTROLLERS, LOGIN_MESSAGES, session_cookie, sign_in
from ballot.web.election_api import ELECTION_CONTROLLERS, election_view
from ballot.web.roll_api import ROLL_CONTROLLERS

__all__ = ["API_CONTROLLERS", "LOGIN_MESSAGES", "election_view", "session_cookie", "sign_in"]

API_CONTROLLERS = [*ACCOUNT_CONTROLLERS, *ELECTION_CONTROLLERS, *ROLL_CONTROLLERS]
