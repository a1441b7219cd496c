"""Observer pages: the result as the board proves it, how to verify it, the audit log's chain.

**Result** (``/board/<id>/result``, public).  Every figure comes from the election's
public board entries (``roll.frozen``, ``election.closed``, ``challenge.decided``,
``tally.result`` per round, ``result.certified``) and the definition on the board, never
from the service's private tables: what observers read here is exactly what the
downloadable record proves, and ``ballot verify`` checks the same entries.  The sheet
is recomputed from the published counts with the published rule
(:func:`ballot.election.tally_sheet.build_tally_sheet`); if that disagrees with the
outcome the board states, the page says so instead of hiding it, because the record
would then fail verification.

**How to verify** (``/board/<id>/verify``, public): what the record holds, its SHA-256,
the fingerprint, the latest signed head and the commands to check it offline.

**Audit log** (``/committee/audit`` page, ``/api/audit/chain`` JSON; staff only).  The
chain is checked on every view, each row against its stored hash, so a row edited in the
database is named.  There is deliberately no public version: actors are committee
members' e-mail addresses and details name members (``token_reissued`` carries a member
id), and without those bodies a reader could not recompute a single hash, so a stripped
public copy would prove nothing while still telling the world when whose credential was
replaced.  Observers are the audience the remote-voting guidance names; they can keep the
head the JSON endpoint gives and later ask whether the log still holds it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.outcome import Counts, OutcomeRule, RuleError, RuleKind
from ballot.election.tally_sheet import TallySheet, build_tally_sheet
from ballot.i18n import BABEL_LOCALES, normalise, translations
from ballot.record.audit import AuditEntry as RecordAuditEntry
from ballot.record.audit import AuditFormatError, verify_audit
from ballot.record.chain import ChainError, parse_at
from ballot.record.units import DEFAULT_MIN_SIZE, SubtotalsError, subtotal_min_size
from ballot.record.verify import VerificationFailed, outcome_rule
from ballot.store.audit import audit_entries
from ballot.store.board import head_json, last_entry, latest_head
from ballot.store.models import AuditEntry, BoardEntryRow
from ballot.store.record_export import RecordUnavailable, export_record
from ballot.web import operations as ops
from ballot.web.ballot_page import manifest_languages, render, text_in
from ballot.web.deps import Db

log = logging.getLogger(__name__)

#: Board kinds the result page reads (ballots, partial decryptions and notes are not needed).
RESULT_KINDS = (
    "election.defined",
    "election.withdrawn",
    "ceremony.completed",
    "roll.frozen",
    "election.opened",
    "election.closed",
    "challenge.decided",
    "tally.result",
    "result.certified",
)

#: How the verifier is installed: from a copy of the source the observer got independently
#: (a verifier fetched only from the server it checks would prove little).
INSTALL_COMMAND = "python3 -m pip install ./ballot"

#: The members of an election record, in the order the record stores them (PROTOCOL §11.1).
RECORD_MEMBERS = (
    "definition.json",
    "ceremony.json",
    "board.jsonl",
    "heads.json",
    "server_key.json",
    "tally.json",
    "partials.json",
    "result.json",
    "record.json",
)


# --------------------------------------------------------------------------- the board


@dataclass(frozen=True)
class Posted:
    """One board entry as published (its payload parsed)."""

    seq: int
    kind: str
    at: str
    hash: str
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: BoardEntryRow) -> Posted:
        payload = json.loads(row.payload)
        return cls(
            row.seq, row.kind, row.at, row.hash, payload if isinstance(payload, dict) else {}
        )


@dataclass
class BoardFacts:
    """What the board says about an election's definition, count and certification."""

    definition: dict[str, Any] | None = None
    manifest_hash: str | None = None
    fingerprint: str | None = None
    eligible: int | None = None
    opened: bool = False
    closed: Posted | None = None
    decisions: list[Posted] = field(default_factory=list)
    results: list[Posted] = field(default_factory=list)
    certification: Posted | None = None

    @property
    def final(self) -> Posted | None:
        """The result that decides the vote: a round 2, or a round 1 whose challenges
        are not determinative.  ``None`` while the count is missing or must be revised."""
        if not self.results:
            return None
        last = self.results[-1]
        if _round(last) >= 2 or not last.payload.get("result", {}).get("determinative"):
            return last
        return None

    @property
    def certified(self) -> Posted | None:
        """The certification, if it names the final result (by round and entry hash)."""
        final, cert = self.final, self.certification
        if final is None or cert is None:
            return None
        if cert.payload.get("result_hash") != final.hash:
            return None
        if cert.payload.get("round", _round(final)) != _round(final):
            return None
        return cert


def _round(entry: Posted) -> int:
    value = entry.payload.get("round", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def facts_from(entries: Iterable[Posted]) -> BoardFacts:
    """Fold board entries (in board order) into :class:`BoardFacts`.

    A later ``election.defined`` starts the definition over (after ``election.withdrawn``),
    so everything read before it is dropped, as the record's verifier does.
    """
    facts = BoardFacts()
    for e in entries:
        p = e.payload
        if e.kind == "election.defined":
            facts = BoardFacts(
                definition=p.get("definition") if isinstance(p.get("definition"), dict) else None,
                manifest_hash=p.get("manifest_hash"),
            )
        elif e.kind == "ceremony.completed":
            facts.fingerprint = p.get("fingerprint")
        elif e.kind == "roll.frozen" and isinstance(p.get("eligible"), int):
            facts.eligible = p["eligible"]
        elif e.kind == "election.opened":
            facts.opened = True
        elif e.kind == "election.closed":
            facts.closed = e
        elif e.kind == "challenge.decided":
            facts.decisions.append(e)
        elif e.kind == "tally.result" and isinstance(p.get("result"), dict):
            facts.results.append(e)
        elif e.kind == "result.certified" and facts.certification is None:
            facts.certification = e
    return facts


async def board_facts(session: AsyncSession, election_id: str) -> BoardFacts:
    rows = await session.scalars(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.kind.in_(RESULT_KINDS))
        .order_by(BoardEntryRow.seq)
    )
    return facts_from(Posted.from_row(r) for r in rows)


def rule_of(definition: Mapping[str, Any]) -> OutcomeRule | None:
    """The rule recorded with the vote, read as the verifier reads it (None: unusable).

    Definitions written before the rule moved to ``"rule"`` keep the short form under
    ``"outcome"``; that has the same keys as the short form, so it is read the same way.
    """
    source = definition
    if "rule" not in definition and isinstance(definition.get("outcome"), Mapping):
        source = definition["outcome"]
    try:
        return outcome_rule(source)
    except VerificationFailed:
        return None


# --------------------------------------------------------------------------- words


def rule_words(rule: OutcomeRule | None, _: Callable[[str], str]) -> list[str]:
    """The rule, in sentences a member can read."""
    if rule is None:
        return [_("The rule for this vote cannot be read from the definition.")]
    t = str(rule.threshold)
    if rule.kind is RuleKind.MAJORITY and t == "1/2":
        out = [_("Rule: more than half of the valid votes must be in favour; a tie fails.")]
    elif rule.kind is RuleKind.MAJORITY:
        out = [_("Rule: more than %(share)s of the valid votes must be in favour.") % {"share": t}]
    elif rule.kind is RuleKind.SUPERMAJORITY:
        out = [_("Rule: at least %(share)s of the valid votes must be in favour.") % {"share": t}]
    else:
        out = [
            _(
                "Rule: a choice with more than %(share)s of the valid votes wins; otherwise "
                "the top two go to a runoff."
            )
            % {"share": t}
        ]
    if rule.quorum_fraction is not None:
        out.append(
            _("Quorum: at least %(share)s of the eligible members must return a ballot.")
            % {"share": str(rule.quorum_fraction)}
        )
    if rule.quorum_count is not None:
        out.append(
            _("Quorum: at least %(count)s ballots must be returned.") % {"count": rule.quorum_count}
        )
    out.append(_("Void (blank) ballots count towards turnout but are not valid votes."))
    return out


def outcome_words(result: str, label: Callable[[str], str], _: Callable[[str], str]) -> str:
    """An outcome key of :class:`ballot.election.outcome.Outcome` in words."""

    def names(ids: str) -> str:
        return ", ".join(label(i) for i in ids.split(",") if i)

    if result == "approved":
        return _("Approved: the votes in favour meet the rule.")
    if result == "rejected":
        return _("Rejected: the votes in favour do not meet the rule.")
    if result == "tie_fails":
        return _("Rejected: the vote is tied, and a tie fails.")
    if result == "no_quorum":
        return _("No decision: turnout is below the quorum.")
    if result == "no_valid_votes":
        return _("No decision: there are no valid votes.")
    if result.startswith("elected:"):
        return _("Elected: %(name)s.") % {"name": label(result.removeprefix("elected:"))}
    if result.startswith("runoff:"):
        return _("No majority: a runoff between %(names)s follows.") % {
            "names": names(result.removeprefix("runoff:"))
        }
    if result.startswith("runoff_tie:"):
        sure, _sep, tied = result.removeprefix("runoff_tie:").partition(";")
        text = _(
            "No majority: a runoff follows, but %(names)s are tied for a place in it; the "
            "committee breaks the tie by its rules."
        ) % {"names": names(tied)}
        if sure:
            text += " " + _("Sure of a place in the runoff: %(names)s.") % {"names": names(sure)}
        return text
    return result


def when(at: str, language: str) -> dict[str, str]:
    """A board time as a date and a time of day (UTC) in the page's language."""
    moment = parse_at(at)
    locale = BABEL_LOCALES.get(language, "en")
    return {
        "iso": at,
        "date": format_date(moment, format="long", locale=locale),
        "time": format_time(moment, format="HH:mm", locale=locale),
    }


# --------------------------------------------------------------------------- the sheet


@dataclass
class QuestionSheet:
    text: str
    options: list[tuple[str, int]]  # label, votes (ballot order)
    void: int
    valid: int
    outcome: str  # in words
    result: str  # the key the board states
    quorum_met: bool
    determinative: bool
    sheet: TallySheet | None  # recomputed from the published counts; None: rule unusable
    consistent: bool  # the published outcome follows from the published counts
    # subtotals per unit (pooled, PROTOCOL 10.5): label, votes in ballot order, void
    units: list[tuple[str, list[int], int]] = field(default_factory=list)


@dataclass
class RoundView:
    round: int
    seq: int
    hash: str
    at: dict[str, str]
    eligible: int | None
    cast: int
    challenged: int
    sustained: int
    overruled: int
    undecided: int
    counted: int
    determinative: bool
    final: bool
    questions: list[QuestionSheet]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _min_size(definition: Mapping[str, Any]) -> int:
    """The definition's smallest unit with its own subtotal (the default if unusable)."""
    try:
        return subtotal_min_size(definition) or DEFAULT_MIN_SIZE
    except SubtotalsError:
        return DEFAULT_MIN_SIZE


def _unit_parts(
    result: Mapping[str, Any], qid: object, order: list[str]
) -> dict[str, Counts] | None:
    """One question's published subtotals per pooled unit, as counts in ballot order."""
    units = result.get("units")
    if not isinstance(units, list) or not units:
        return None
    parts: dict[str, Counts] = {}
    for u in units:
        if not isinstance(u, dict):
            return None
        for q in u.get("questions") or []:
            if isinstance(q, dict) and q.get("id") == qid and isinstance(q.get("counts"), dict):
                raw = q["counts"]
                try:
                    parts[str(u.get("unit", ""))] = Counts(
                        {k: _int(raw.get(k)) for k in order}, _int(q.get("blank"))
                    )
                except RuleError:
                    return None
    return parts or None


def round_view(entry: Posted, facts: BoardFacts, language: str, *, final: bool) -> RoundView:
    """One ``tally.result`` as a tally sheet per question, in ``language``."""
    _ = translations(language).gettext
    r = entry.payload["result"]
    definition = facts.definition or {}
    rule = rule_of(definition)
    specs = {q.get("id"): q for q in definition.get("questions") or [] if isinstance(q, dict)}
    eligible = facts.eligible if facts.eligible is not None else r.get("eligible")
    sustained, overruled = _int(r.get("sustained")), _int(r.get("overruled"))
    challenged = _int(r.get("challenged"))
    questions = []
    for q in r.get("questions") or []:
        if not isinstance(q, dict):
            continue
        spec = specs.get(q.get("id"), {})
        labels = {
            o.get("id"): text_in(o.get("text") or o.get("label"), language)
            for o in spec.get("options") or []
            if isinstance(o, dict)
        }
        # Ballot order comes from the definition: the board's JSON is canonical (RFC 8785),
        # which sorts the keys of the counts object, and ballot order decides display,
        # ranking ties and the runoff key.
        raw = q.get("counts")
        recorded_counts = {
            str(k): _int(v) for k, v in (raw if isinstance(raw, dict) else {}).items()
        }
        order = [str(i) for i in labels if str(i) in recorded_counts]
        order += [k for k in recorded_counts if k not in order]
        counts = {k: recorded_counts[k] for k in order}
        void = _int(q.get("blank"))
        outcome = q.get("outcome")
        recorded: dict[str, Any] = outcome if isinstance(outcome, dict) else {}
        result = str(recorded.get("result", ""))
        sheet: TallySheet | None = None
        parts = _unit_parts(r, q.get("id"), order)
        if rule is not None and counts:
            try:
                sheet = build_tally_sheet(
                    rule,
                    Counts(counts, void, eligible),
                    challenged,
                    sustained=sustained,
                    overruled=overruled,
                    units=parts,
                    min_unit_size=_min_size(definition),
                )
            except (RuleError, ValueError):
                sheet = None
        consistent = (
            sheet is not None
            and sheet.outcome.result == result
            and sheet.valid == _int(q.get("valid"))
        )

        def label(option: str, labels: dict[Any, str] = labels) -> str:
            return labels.get(option) or option

        questions.append(
            QuestionSheet(
                text=text_in(spec.get("text"), language) or str(q.get("id", "")),
                options=[(label(k), v) for k, v in counts.items()],
                void=void,
                valid=_int(q.get("valid")),
                outcome=outcome_words(result, label, _),
                result=result,
                quorum_met=bool(recorded.get("quorum_met", True)),
                determinative=sheet.determinative if sheet is not None else False,
                sheet=sheet,
                consistent=consistent,
                units=[
                    (u.unit or _("Other units"), [u.votes[k] for k in order], u.void or 0)
                    for u in (sheet.units if sheet is not None else ())
                    if not u.suppressed and u.votes is not None
                ],
            )
        )
    return RoundView(
        round=_round(entry),
        seq=entry.seq,
        hash=entry.hash,
        at=when(entry.at, language),
        eligible=eligible if isinstance(eligible, int) else None,
        cast=_int(r.get("cast")),
        challenged=challenged,
        sustained=sustained,
        overruled=overruled,
        undecided=_int(r.get("undecided")),
        counted=_int(r.get("counted")),
        determinative=bool(r.get("determinative")),
        final=final,
        questions=questions,
    )


def result_context(facts: BoardFacts, language: str) -> dict[str, Any]:
    """Everything the result page shows, from the board alone."""
    final = facts.final
    rounds = [round_view(e, facts, language, final=e is final) for e in facts.results]
    certified = facts.certified
    decided = [
        {
            "challenge": str(d.payload.get("challenge", "")),
            "decision": d.payload.get("decision"),
            "seq": d.seq,
        }
        for d in facts.decisions
    ]
    if certified is not None:
        status = "certified"
    elif final is not None:
        status = "provisional"
    elif facts.results:
        status = "challenges"  # round 1 is determinative: the challenges must be decided
    elif facts.closed is not None:
        status = "counting"
    elif facts.opened:
        status = "open"
    else:
        status = "not_open"
    _ = translations(language).gettext
    closed = facts.closed.payload if facts.closed is not None else None
    return {
        "status": status,
        "rounds": rounds,
        "final": rounds[-1] if final is not None else None,
        "certified": (
            {
                "at": when(certified.at, language),
                "seq": certified.seq,
                "reason": str(certified.payload.get("reason", "")),
            }
            if certified is not None
            else None
        ),
        "stray_certification": facts.certification is not None and certified is None,
        "rule": rule_words(rule_of(facts.definition), _) if facts.definition else [],
        "eligible": facts.eligible,
        "closed": (
            {"cast": _int(closed.get("cast")), "challenged": _int(closed.get("challenged"))}
            if closed is not None
            else None
        ),
        "decisions": decided,
        "unit_min_size": _min_size(facts.definition or {}),
        "sustained": sum(1 for d in decided if d["decision"] == "sustained"),
        "overruled": sum(1 for d in decided if d["decision"] == "overruled"),
    }


# --------------------------------------------------------------------------- the record

_DIGESTS: dict[tuple[str, str, str], str] = {}
_DIGEST_CACHE = 64


#: Writes the record exactly as ``GET /api/elections/<id>/record.zip`` serves it (the
#: same function), so the digest shown is the digest of the file people download.
_write_record = export_record


def _sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


async def record_sha256(session: AsyncSession, election_id: str, server_key: str) -> str | None:
    """SHA-256 of the record file as it would be downloaded now (None: no record yet).

    The record is built once per board state (last entry and last signed head) and the
    digest kept, so repeated views of a large election cost one export.
    """
    last = await last_entry(session, election_id)
    head = await latest_head(session, election_id)
    if last is None or head is None:
        return None
    key = (election_id, last.hash, head.hash)
    if key in _DIGESTS:
        return _DIGESTS[key]
    try:
        with tempfile.TemporaryDirectory(prefix="ballot-record-") as tmp:
            path = Path(tmp) / "record.zip"
            await _write_record(session, election_id, server_key, path)
            digest = await asyncio.to_thread(_sha256_file, path)
    except RecordUnavailable as exc:
        log.info("no record digest for election %s: %s", election_id, exc)
        return None
    except Exception as exc:  # the digest is a convenience: the page must still show
        log.warning("no record digest for election %s: %r", election_id, exc)
        return None
    if len(_DIGESTS) >= _DIGEST_CACHE:
        _DIGESTS.pop(next(iter(_DIGESTS)))
    _DIGESTS[key] = digest
    return digest


# --------------------------------------------------------------------------- the audit log


@dataclass(frozen=True)
class AuditChain:
    """The audit log's chain as checked now."""

    count: int
    head_seq: int | None
    head: str | None
    problem: str | None = None
    broken_seq: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "count": self.count,
            "head": None if self.head is None else {"seq": self.head_seq, "hash": self.head},
            "problem": self.problem,
            "broken_seq": self.broken_seq,
        }


def stored_json(row: AuditEntry) -> dict[str, Any]:
    """A row in published form with the hash *as stored* (not recomputed)."""
    try:
        details: Any = json.loads(row.detail)
    except ValueError:
        details = row.detail
    return {
        "seq": row.seq,
        "actor": row.actor,
        "action": row.action,
        "at": row.at,
        "details": details,
        "prev": row.prev,
        "hash": row.hash,
    }


def check_audit_chain(rows: Sequence[AuditEntry]) -> AuditChain:
    """Check every row against its stored hash and every link; name the first break.

    The ``election_id`` column is outside the hash, so it must agree with the details'
    ``election`` (which the hash covers): a row moved to another election is a break too.
    """
    last = rows[-1] if rows else None
    head_seq, head = (last.seq, last.hash) if last is not None else (None, None)
    entries: list[RecordAuditEntry] = []
    try:
        for row in rows:
            data = stored_json(row)
            try:
                entry = RecordAuditEntry.from_json(data)
            except AuditFormatError as exc:
                raise ChainError(f"seq {row.seq}: {exc}", row.seq) from exc
            if row.election_id != entry.details.get("election"):
                raise ChainError(
                    f"seq {row.seq}: the election column does not match the entry's details",
                    row.seq,
                )
            entries.append(entry)
        verify_audit(entries)
    except ChainError as exc:
        return AuditChain(len(rows), head_seq, head, str(exc), exc.seq)
    return AuditChain(len(rows), head_seq, head)


def compare_kept_head(
    rows: Sequence[AuditEntry], seq: int | None, kept: str | None
) -> dict[str, Any] | None:
    """Does the log still hold, at ``seq``, the head an observer kept earlier?"""
    if seq is None and not kept:
        return None
    wanted = (kept or "").strip().lower()
    row = next((r for r in rows if r.seq == seq), None)
    return {
        "seq": seq,
        "hash": wanted,
        "found": row is not None,
        "matches": row is not None and row.hash == wanted,
    }


def detail_text(row: AuditEntry) -> str:
    """An entry's details for the table: ``key=value`` pairs, the election left out (it has
    its own column); the stored text itself if it is not a JSON object."""
    try:
        details = json.loads(row.detail)
    except ValueError:
        return row.detail
    if not isinstance(details, dict):
        return row.detail
    return ", ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in details.items()
        if key != "election"
    )


def audit_view(
    rows: Sequence[AuditEntry],
    election: str | None = None,
    kept_seq: int | None = None,
    kept_hash: str | None = None,
) -> dict[str, Any]:
    """Context for the committee audit page: the chain checked over the whole log, the
    rows shown (one election's, if asked), and a kept head compared."""
    chain = check_audit_chain(rows)
    shown = [r for r in rows if election is None or r.election_id == election]
    return {
        "chain": chain,
        "entries": shown,
        "details": {r.seq: detail_text(r) for r in shown},
        "election_filter": election,
        "kept": compare_kept_head(rows, kept_seq, kept_hash),
    }


# --------------------------------------------------------------------------- pages


def _language(request: Request[Any, Any, Any], lang: str | None, offered: list[str]) -> str:
    language = normalise(lang or request.headers.get("accept-language"))
    return language if language in offered else offered[0]


def _title(definition: Mapping[str, Any] | None, language: str, fallback: str) -> str:
    return text_in((definition or {}).get("title"), language) or fallback


class ObserverPageController(Controller):
    path = "/board/{election_id:str}"

    @get("/result", opt={"access": "public"}, cache_control=None)
    async def result(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The tally sheet of every round, provisional until certified."""
        await ops.get_election(db, election_id)
        facts = await board_facts(db, election_id)
        offered = manifest_languages(facts.definition)
        language = _language(request, lang, offered)
        return render(
            language,
            "observer/result.html",
            languages=offered,
            election_id=election_id,
            title=_title(facts.definition, language, election_id),
            **result_context(facts, language),
        )

    @get("/verify", opt={"access": "public"}, cache_control=None)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """How anyone checks this election offline, with the figures to compare."""
        await ops.get_election(db, election_id)
        facts = await board_facts(db, election_id)
        offered = manifest_languages(facts.definition)
        language = _language(request, lang, offered)
        head = await latest_head(db, election_id)
        server_key = request.app.state.secrets.board_key.public_hex
        final = facts.final is not None
        return render(
            language,
            "observer/verify.html",
            languages=offered,
            election_id=election_id,
            title=_title(facts.definition, language, election_id),
            fingerprint=facts.fingerprint,
            manifest_hash=facts.manifest_hash,
            head=head_json(head) if head is not None else None,
            head_at=when(head.at, language) if head is not None else None,
            server_key=server_key,
            has_record=final,
            record_name=f"election-{election_id}.zip",
            record_sha256=(await record_sha256(db, election_id, server_key)) if final else None,
            install_command=INSTALL_COMMAND,
            members=RECORD_MEMBERS,
        )


class AuditChainController(Controller):
    path = "/api/audit"

    @get("/chain", opt={"access": "staff"}, cache_control=None)
    async def chain(
        self,
        db: Db,
        seq: FromQuery[int | None] = None,
        hash: FromQuery[str | None] = None,
    ) -> Response[dict[str, Any]]:
        """The audit log with stored hashes, its chain checked now, and its head to keep.

        ``?seq=N&hash=H`` also says whether the log still holds a head kept earlier.
        """
        rows = await audit_entries(db)
        body = check_audit_chain(rows).to_json()
        body["kept"] = compare_kept_head(rows, seq, hash)
        body["entries"] = [stored_json(r) for r in rows]
        return Response(body, headers={"Cache-Control": "no-store"})


OBSERVER_CONTROLLERS = [ObserverPageController, AuditChainController]
