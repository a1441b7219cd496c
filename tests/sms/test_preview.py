"""The committee's preview of the text messages, next to the e-mail invitation's: the
invitation and the reminder in each language exactly as they will be sent, with their parts
and encoding (GSM-7 for English and Spanish, UCS-2 for Korean and Vietnamese), translated
around them; a draft without a closing time says why there is nothing to show yet."""

from __future__ import annotations

import html
import re

from litestar import Litestar

from ballot.service.acting import get_election
from ballot.service.mailing import SMS_EXAMPLE_TOKEN, text_message
from ballot.sms.segments import segments
from ballot.store.elections import texts_by_language
from ballot.store.tokens import new_token
from tests.support.asgi import Web, create_draft

from .test_receipts import DEFINITION

C = "/committee/elections"


def shown(page: str, kind: str) -> str:
    found = re.search(
        rf'<pre id="preview-sms-{kind}" class="mail-body" lang="\w+">([^<]*)</pre>', page
    )
    assert found is not None, kind
    return html.unescape(found.group(1))


async def test_the_preview_shows_each_text_message_with_its_parts(
    app: Litestar, admin: Web
) -> None:
    election_id = await create_draft(admin, **DEFINITION)
    assert len(SMS_EXAMPLE_TOKEN) == len(new_token())  # the parts shown are the real ones
    async with app.state.session_factory() as db:
        election = await get_election(db, election_id)
        texts = await texts_by_language(db, election_id)
    settings = app.state.settings
    expected = {
        ("ko", "invitation"): ("UCS-2", "단체협약 비준"),
        ("ko", "reminder"): ("UCS-2", "아직"),
        ("vi", "invitation"): ("UCS-2", "Phê chuẩn hợp đồng"),
        ("vi", "reminder"): ("UCS-2", "chưa bỏ phiếu"),
        ("en", "invitation"): ("GSM-7", "Contract ratification"),
        ("es", "reminder"): ("GSM-7", "Ratificacion del contrato"),
    }
    for (language, kind), (encoding, words) in expected.items():
        r = await admin.get(f"{C}/{election_id}/invitation-preview?lang={language}")
        assert r.status_code == 200
        text = shown(r.text, kind)
        assert words in text and SMS_EXAMPLE_TOKEN in text
        sent = text_message(settings, election, texts, language, kind=kind, token=new_token())
        assert text == sent.replace(sent.rsplit("/", 1)[1], SMS_EXAMPLE_TOKEN)
        cost = segments(text)
        assert cost.encoding == encoding and cost.count == segments(sent).count
        parts = re.search(rf'id="preview-sms-{kind}-parts">([^<]*)<', r.text)
        assert parts is not None
        word = "part" if cost.count == 1 else "parts"
        assert parts.group(1).startswith(f"Sent in {cost.count} {word} · {encoding} · ")
        assert f"{cost.units} of " in parts.group(1)
        assert "Longer than" not in r.text
    # The table gives every language's parts at once; the page's words are translated.
    r = await admin.get(f"{C}/{election_id}/invitation-preview?lang=vi&ui=ko")
    assert "문자 메시지" in r.text and "언어별 문자 메시지 분할 수" in r.text
    assert r.text.count("UCS-2") >= 4 and r.text.count("GSM-7") >= 4
    assert "개로 나뉘어 발송" in r.text
    checklist = (await admin.get(f"{C}/{election_id}?ui=en")).text
    assert "Preview the invitation and the text messages" in checklist


async def test_without_a_closing_time_the_texts_wait(admin: Web) -> None:
    election_id = await create_draft(admin, **{**DEFINITION, "opens_at": None, "closes_at": None})
    r = await admin.get(f"{C}/{election_id}/invitation-preview")
    assert r.status_code == 200 and 'id="preview-body"' in r.text
    assert "preview-sms-invitation" not in r.text
    assert "they are shown here once the election has one" in r.text
