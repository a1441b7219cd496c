"""Observer pages: the result as the board proves it, how to verify it, the activity log.

The pages live in :mod:`ballot.web.observer`; this module gathers their controllers for
the app and keeps the names other modules import from here.
"""

from __future__ import annotations

from ballot.web.observer.activity_log import (
    AuditChain,
    AuditChainController,
    audit_view,
    check_audit_chain,
    compare_kept_head,
    stored_json,
)
from ballot.web.observer.alias_page import AliasController
from ballot.web.observer.board_facts import (
    RESULT_KINDS,
    BoardFacts,
    Posted,
    board_facts,
    facts_from,
    rule_of,
)
from ballot.web.observer.result_page import ResultPageController, result_context, round_view
from ballot.web.observer.verify_page import (
    INSTALL_COMMAND,
    RECORD_MEMBERS,
    VerifyPageController,
    record_sha256,
)
from ballot.web.observer.words import outcome_words, rule_words, when

OBSERVER_CONTROLLERS = [
    ResultPageController,
    VerifyPageController,
    AuditChainController,
    AliasController,
]

__all__ = [
    "INSTALL_COMMAND",
    "OBSERVER_CONTROLLERS",
    "RECORD_MEMBERS",
    "RESULT_KINDS",
    "AuditChain",
    "BoardFacts",
    "Posted",
    "audit_view",
    "board_facts",
    "check_audit_chain",
    "compare_kept_head",
    "facts_from",
    "outcome_words",
    "record_sha256",
    "result_context",
    "round_view",
    "rule_of",
    "rule_words",
    "stored_json",
    "when",
]
