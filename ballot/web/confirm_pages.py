"""One page per irreversible step: its consequences in figures, then a deliberate confirm.

``GET /committee/elections/{id}/confirm/{step}`` draws the page for one step of
:data:`ballot.web.confirm_steps.STEPS`, with figures read now.  Its form is sent to the
act's own URL (``/state``, ``/tally``, ``/certify`` in :mod:`ballot.web.pages`), which
asks :func:`refuse_unconfirmed` before acting: a POST without the ticked box (and, for
opening and closing, the number of members typed) is refused with a 400 and changes
nothing; a step impossible now is refused with a 409 and the page says why.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from ballot.election.refusal import Grounds, Refused
from ballot.service.acting import get_election
from ballot.service.confirmations import record_confirmation
from ballot.store.elections import election_title
from ballot.store.models import Election
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.confirm_steps import STEPS, Step, StepCheck, check_step, unconfirmed
from ballot.web.deps import Db, acting
from ballot.web.observer.words import state_words
from ballot.web.refusals import status_for

#: The figures a confirmed step leaves in the activity log, by step (counts only).
LOGGED = ("members", "voted", "not_voted", "cast", "challenged", "round", "overruled")


def step_named(name: str) -> Step:
    step = STEPS.get(name)
    if step is None:
        raise Refused(
            f"no such step {name!r} (one of {', '.join(STEPS)})",
            code="unknown_step",
            grounds=Grounds.NOT_FOUND,
        )
    return step


def _messages(request: Request[Any, Any, Any], check: StepCheck) -> dict[str, str]:
    _ = gettext_of(request)
    return {
        "understood": _("Nothing was done: tick the box to confirm that you understand."),
        "members": _(
            "Nothing was done: type the number of members on the roll, %(num)s, to confirm."
        )
        % {"num": check.members},
    }


async def confirm_page(
    request: Request[Any, Any, Any],
    db: Db,
    election: Election,
    step: Step,
    *,
    check: StepCheck | None = None,
    status: int | None = None,
    error: str | None = None,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, str] | None = None,
) -> Response[str]:
    """The step's page: figures and the confirm form, or why the step is impossible now."""
    if check is None:
        check = await check_step(db, election, step, acting(request).now)
    _ = gettext_of(request)
    language = committee_language(request)
    return committee_page(
        request,
        "confirm",
        status=status if status is not None else (409 if check.blocked else 200),
        election=election,
        title=await election_title(db, election.id, language),
        time_zone=election.time_zone,
        step=step,
        check=check,
        facts=check.facts,
        state_name=state_words(election.state, _),
        needs_names=[state_words(s, _) for s in check.detail.get("needs", ())],
        error=error,
        errors=errors or {},
        form=form or {},
    )


async def refuse_unconfirmed(
    request: Request[Any, Any, Any], db: Db, election: Election, step: Step, data: dict[str, str]
) -> tuple[Response[str] | None, StepCheck]:
    """The step's page with a 409 (impossible now) or a 400 (not confirmed), or None when
    the step may go ahead; and the step's figures as checked.  Called with the election
    locked, before anything changes."""
    check = await check_step(db, election, step, acting(request).now)
    if check.blocked:
        return await confirm_page(request, db, election, step, check=check, form=data), check
    wrong = unconfirmed(check, data)
    if not wrong:
        return None, check
    messages = _messages(request, check)
    page = await confirm_page(
        request,
        db,
        election,
        step,
        check=check,
        status=400,
        error=messages[wrong[0]],
        errors={name: [messages[name]] for name in wrong},
        form=data,
    )
    return page, check


#: The field of a step's form a refusal is about, by step and refusal code.
FIELD_OF_REFUSAL = {
    ("certify", "reason_needed"): "certify-reason",
    ("back-to-draft", "reason_needed"): "withdraw-reason",
}


async def refusal_page(
    request: Request[Any, Any, Any],
    db: Db,
    election_id: str,
    step: Step,
    exc: Refused,
    data: dict[str, str],
) -> Response[str]:
    """The step's page after the act itself refused (the caller has rolled back): the
    message at the top and at its field, the form as it was sent."""
    field = FIELD_OF_REFUSAL.get((step.name, exc.code))
    return await confirm_page(
        request,
        db,
        await get_election(db, election_id),
        step,
        status=status_for(exc.grounds),
        error=exc.message,
        errors={field: [exc.message]} if field else {},
        form=data,
    )


async def log_confirmed(
    request: Request[Any, Any, Any], db: Db, election: Election, step: Step, check: StepCheck
) -> None:
    """Put the confirmed step in the activity log with the figures its page showed."""
    figures = {k: int(v) for k, v in check.facts.items() if k in LOGGED and v is not None}
    await record_confirmation(db, acting(request), election, step.name, figures)


class ConfirmPages(Controller):
    path = "/committee/elections/{election_id:str}/confirm"

    @get("/{step:str}", opt={"access": "admin"})
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        step: FromPath[str],
        db: Db,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        return await confirm_page(request, db, election, step_named(step))


CONFIRM_CONTROLLERS = [ConfirmPages]
