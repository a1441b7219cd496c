"""Invitations and reminders reach a real SMTP server on localhost, in each member's language,
with a link that opens the voter page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from litestar import Litestar

from ballot.config import Settings
from ballot.mail.sink import MailSink
from ballot.mail.worker import run_worker

from .helpers import BASE, OpenElection, Web

LINK = re.compile(re.escape(BASE) + r"/v/([A-Za-z0-9_\-]+)")


@pytest.fixture
def sink() -> Iterator[MailSink]:
    s = MailSink().start()
    try:
        yield s
    finally:
        s.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def deliver(app: Litestar, settings: Settings, sink: MailSink) -> int:
    return await run_worker(
        app.state.session_factory, settings.with_(smtp_port=sink.port, mail_rate=1000.0), once=True
    )


def by_recipient(sink: MailSink) -> dict[str, EmailMessage]:
    return {str(m["To"]).strip("<>"): m for m in sink.messages}


async def test_invitations_arrive_in_the_members_language_with_a_working_link(
    app: Litestar,
    settings: Settings,
    sink: MailSink,
    web: Web,
    admin: Web,
    open_election: OpenElection,
) -> None:
    assert await deliver(app, settings, sink) == 6
    mail = by_recipient(sink)
    assert set(mail) == {f"{n}@example.org" for n in ("ana", "ben", "chen", "dolores", "ed", "fay")}
    spanish = text_of(mail["ana@example.org"])
    assert "Votación de reconocimiento" in spanish + str(mail["ana@example.org"]["Subject"])
    english = text_of(mail["ben@example.org"])
    assert "Recognition vote" in english + str(mail["ben@example.org"]["Subject"])
    token = LINK.search(spanish)
    assert token is not None and token.group(1) == open_election.links["M001"]
    page = await web.get(f"/v/{token.group(1)}")
    assert (
        page.status_code == 200
        and 'lang="es"' in page.text
        and "Votación de reconocimiento" in page.text
    )

    summary = (await admin.get(f"/api/elections/{open_election.id}/mail")).json()
    assert summary["counts"]["sent"] == 6 and summary["total"] == 6


async def test_reminders_reach_only_non_voters_and_replace_their_link(
    app: Litestar,
    settings: Settings,
    sink: MailSink,
    web: Web,
    admin: Web,
    open_election: OpenElection,
) -> None:
    await deliver(app, settings, sink)
    sink.clear()
    r = await admin.post(
        f"/api/elections/{open_election.id}/voters/M002/revoke", json={"voted_on_paper": True}
    )
    assert r.status_code == 200
    r = await admin.post(f"/api/elections/{open_election.id}/reminders")
    assert r.status_code == 200 and r.json()["queued"] == 5
    assert await deliver(app, settings, sink) == 5
    mail = by_recipient(sink)
    assert "ben@example.org" not in mail
    fresh = LINK.search(text_of(mail["ana@example.org"]))
    assert fresh is not None and fresh.group(1) != open_election.links["M001"]
    assert (await web.get(f"/v/{fresh.group(1)}")).status_code == 200
    assert (await web.get(f"/v/{open_election.links['M001']}")).status_code == 404


async def test_reissue_queues_a_new_invitation(
    app: Litestar, settings: Settings, sink: MailSink, admin: Web, open_election: OpenElection
) -> None:
    await deliver(app, settings, sink)
    sink.clear()
    assert (
        await admin.post(f"/api/elections/{open_election.id}/voters/M006/reissue")
    ).status_code == 200
    assert await deliver(app, settings, sink) == 1
    assert list(by_recipient(sink)) == ["fay@example.org"]
