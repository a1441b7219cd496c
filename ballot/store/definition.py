"""An election's definition as the committee writes it: parsed and validated whole.

A definition (a JSON-able dict) is checked in one pass that lists every problem, before
anything is stored; :mod:`ballot.store.elections` writes the parsed form as rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from ballot.election.definition_shape import committee_problems, shape_problems
from ballot.election.local_time import DEFAULT_ZONE, is_zone
from ballot.election.races import race_problems
from ballot.election.refusal import Grounds, Refused
from ballot.election.witnesses import Witness, witness_problems
from ballot.i18n import LANGUAGES
from ballot.record.units import SubtotalsError
from ballot.record.units import subtotal_min_size as subtotal_min_size_of

KINDS = ("recognition", "ratification", "strike_authorisation", "officer", "custom")
RULES = ("majority", "supermajority")
#: Kinds decided by approving one option (the first: "yes", "union", "authorise").
APPROVAL_KINDS = ("recognition", "ratification", "strike_authorisation")
#: Days between the final result and certification when the definition says nothing.
OBJECTION_DAYS = 5
#: Trustees when a definition names none: 2 of 3, so neither one trustee alone can decrypt
#: nor one lost key loses the election (a 3-of-3 election was voided in 2025 for that).
DEFAULT_TRUSTEES_N, DEFAULT_TRUSTEES_K = 3, 2
REFERENCE_LANGUAGE = "en"


class DefinitionError(Refused):
    """The election definition is not acceptable; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), code="definition_invalid", grounds=Grounds.INVALID)
        self.problems = problems


@dataclass
class QuestionDef:
    text: dict[str, str]
    min: int
    max: int
    options: list[dict[str, str]]
    #: A race's keys (PROTOCOL 5.1, :mod:`ballot.election.races`): ranked with its method
    #: and seats, the unit whose members' ballots carry it, the candidates' order (None:
    #: fixed, the default the manifest leaves out).
    ranked: bool = False
    method: str | None = None
    seats: int | None = None
    unit: str | None = None
    order: str | None = None

    def race_keys(self) -> dict[str, Any]:
        """The question's race keys as the definition writes them: only those it has."""
        out: dict[str, Any] = {}
        if self.ranked:
            out.update(ranked=True, method=self.method, seats=self.seats)
        if self.unit is not None:
            out["unit"] = self.unit
        if self.order not in (None, "fixed"):
            out["order"] = self.order
        return out


@dataclass
class CommitteeDef:
    """Who runs the vote, as members are told: a name per language and how to reach them."""

    name: dict[str, str]
    email: str = ""
    phone: str = ""
    reply_to: str = ""

    def contact(self) -> dict[str, str]:
        return {"email": self.email, "phone": self.phone, "reply_to": self.reply_to}


@dataclass
class Definition:
    kind: str
    title: dict[str, str]
    instructions: dict[str, str] = field(default_factory=dict)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    allow_blank: bool = False
    rule: str = "majority"
    supermajority: str | None = None
    quorum: str | None = None
    trustees_n: int = DEFAULT_TRUSTEES_N
    trustees_k: int = DEFAULT_TRUSTEES_K
    questions: list[QuestionDef] = field(default_factory=list)
    objection_days: int = OBJECTION_DAYS
    subtotal_min_size: int | None = None  # subtotals per unit, none below this many ballots
    #: Observers who may cosign the board's heads (PROTOCOL.md, "Witnessed heads"); None:
    #: the definition does not say (a draft rewritten without them keeps its list).
    witnesses: list[Witness] | None = None
    time_zone: str = DEFAULT_ZONE  # IANA name: times are shown and entered in it
    committee: CommitteeDef | None = None
    #: A member may cast again until voting closes; the last ballot counts (protocol v2).
    revoting: bool = False


def parse_fraction(text: str) -> Fraction:
    """'2/3', '0.5' or '50%' as an exact fraction."""
    t = text.strip()
    if t.endswith("%"):
        return Fraction(t[:-1]) / 100
    return Fraction(t)


def _parse_time(value: Any, name: str, problems: list[str]) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            problems.append(
                f"{name}: not a date and time (use ISO 8601, e.g. 2026-05-01T09:00:00Z)"
            )
            return None
    if moment.tzinfo is None:
        problems.append(f"{name}: give a time zone (e.g. Z or +01:00)")
        return None
    return moment


def _texts(value: Any, name: str, problems: list[str]) -> dict[str, str]:
    if isinstance(value, str):
        value = {REFERENCE_LANGUAGE: value}
    if not isinstance(value, dict):
        problems.append(f'{name}: expected texts by language, e.g. {{"en": "..."}}')
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.append(f"{name}: unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{name}: empty text for {lang}")
        else:
            out[lang] = text.strip()
    if REFERENCE_LANGUAGE not in out:
        problems.append(f"{name}: the English text is required (it is the reference version)")
    return out


def parse_definition(data: dict[str, Any]) -> Definition:
    """Validate a whole definition; raises DefinitionError listing every problem."""
    if problems := shape_problems(data):
        raise DefinitionError(problems)
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"kind: must be one of {', '.join(KINDS)}")
    title = _texts(data.get("title"), "title", problems)
    instructions = (
        _texts(data["instructions"], "instructions", problems) if data.get("instructions") else {}
    )
    opens_at = _parse_time(data.get("opens_at"), "opens_at", problems)
    closes_at = _parse_time(data.get("closes_at"), "closes_at", problems)
    if opens_at and closes_at and opens_at >= closes_at:
        problems.append("closes_at must be after opens_at")
    allow_blank = bool(data.get("allow_blank", False))
    revoting = data.get("revoting", False)
    if revoting is None:
        revoting = False
    if type(revoting) is not bool:
        problems.append("revoting: must be true or false")
    rule = data.get("rule", "majority")
    supermajority = data.get("supermajority") or None
    if rule not in RULES:
        problems.append(f"rule: must be one of {', '.join(RULES)}")
    elif rule == "supermajority":
        try:
            f = parse_fraction(str(supermajority))
            if not Fraction(1, 2) < f <= 1:
                problems.append("supermajority: must be more than 1/2 and at most 1")
        except (ValueError, ZeroDivisionError):
            problems.append("supermajority: give a fraction such as 2/3 for a supermajority rule")
    elif supermajority is not None:
        problems.append("supermajority: only with rule 'supermajority'")
    quorum = data.get("quorum") or None
    if quorum is not None:
        try:
            q = parse_fraction(str(quorum))
            if not 0 < q <= 1:
                problems.append("quorum: must be a share of the roll between 0 and 1, e.g. 1/2")
        except (ValueError, ZeroDivisionError):
            problems.append("quorum: give the minimum turnout as a fraction such as 1/2 or 40%")
    objection_days = data.get("objection_days", OBJECTION_DAYS)
    if (
        isinstance(objection_days, bool)
        or not isinstance(objection_days, int)
        or not 0 <= objection_days <= 365
    ):
        problems.append("objection_days: a whole number of days from 0 to 365")
    subtotal_min_size: int | None = None
    if data.get("subtotals") is not None:
        try:
            subtotal_min_size = subtotal_min_size_of(data)
        except SubtotalsError as exc:
            problems.append(f"subtotals: {exc}")
    problems.extend(witness_problems(data.get("witnesses")))
    time_zone = data.get("time_zone") or DEFAULT_ZONE
    if not is_zone(time_zone):
        problems.append("time_zone: not a known IANA time zone name (e.g. America/Los_Angeles)")
    committee = _committee(data.get("committee"), problems)
    trustees = data.get("trustees") or {}
    n, k = trustees.get("n", DEFAULT_TRUSTEES_N), trustees.get("k", DEFAULT_TRUSTEES_K)
    if not (isinstance(n, int) and isinstance(k, int) and 1 <= k <= n):
        problems.append("trustees: need whole numbers with 1 <= k <= n")
    questions: list[QuestionDef] = []
    raw_questions = data.get("questions") or []
    if not raw_questions:
        problems.append("questions: at least one question is needed")
    for i, raw in enumerate(raw_questions, start=1):
        name = f"question {i}"
        text = _texts(raw.get("text"), name, problems)
        options = [
            _texts(o, f"{name} option {j}", problems)
            for j, o in enumerate(raw.get("options") or [], start=1)
        ]
        ranked = raw.get("ranked") is True
        # A ranked race ranks up to every candidate unless it says fewer, and ranking nobody
        # is a blank (PROTOCOL 17.1), so its min is 0: the defaults follow.
        lo = raw.get("min", 0 if ranked else 1)
        hi = raw.get("max", len(options) if ranked else 1)
        if len(options) < 2:
            problems.append(f"{name}: at least two options are needed")
        if not (isinstance(lo, int) and isinstance(hi, int)):
            problems.append(f"{name}: min and max must be whole numbers")
        elif not (0 <= lo <= hi <= len(options) and hi >= 1):
            problems.append(
                f"{name}: need 0 <= min <= max <= number of options ({len(options)}) and max >= 1"
            )
        elif lo == 0 and not allow_blank and not ranked:
            # A ranked race always has min 0 (its ranks may stay empty, PROTOCOL 8.1);
            # without blank ballots the member's page asks for a first choice.
            problems.append(
                f"{name}: min 0 means a blank ballot, which this election does not allow"
            )
        questions.append(
            QuestionDef(
                text,
                lo,
                hi,
                options,
                ranked=ranked,
                method=raw.get("method") if ranked else None,
                seats=raw.get("seats") if ranked else None,
                unit=raw.get("unit"),
                order=raw.get("order") if raw.get("order") != "fixed" else None,
            )
        )
    # Races (ranked, per unit, candidate order): a draft is always protocol v2, since the
    # service binds its board key to every definition it stores.
    problems.extend(race_problems(data, v2=True))
    if problems:
        raise DefinitionError(problems)
    return Definition(
        kind=str(kind),
        title=title,
        instructions=instructions,
        opens_at=opens_at,
        closes_at=closes_at,
        allow_blank=allow_blank,
        rule=str(rule),
        supermajority=str(supermajority) if supermajority else None,
        quorum=str(quorum) if quorum else None,
        trustees_n=n,
        trustees_k=k,
        questions=questions,
        objection_days=objection_days,
        subtotal_min_size=subtotal_min_size,
        witnesses=(
            None
            if data.get("witnesses") is None
            else [Witness(w["name"], w["public_key"]) for w in data["witnesses"]]
        ),
        time_zone=str(time_zone),
        committee=committee,
        revoting=revoting,
    )


def _committee(value: Any, problems: list[str]) -> CommitteeDef | None:
    """The committee's identity, or None when the definition names none."""
    if found := committee_problems(value, LANGUAGES):
        problems.extend(found)
        return None
    if value is None:
        return None
    name = value["name"]
    names = {REFERENCE_LANGUAGE: name} if isinstance(name, str) else name
    return CommitteeDef(
        name={lang: text.strip() for lang, text in names.items()},
        email=str(value.get("email") or "").strip(),
        phone=" ".join(str(value.get("phone") or "").split()),
        reply_to=str(value.get("reply_to") or "").strip(),
    )
