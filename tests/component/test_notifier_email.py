"""Email on the real application (memory deps): every email carries RFC 8058 one-click
unsubscribe headers, the link's page and its POST, and the opt-out stopping the next email."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from services.notifier.app import build_app
from services.notifier.domain.email_unsubscribe import Unsubscribe, sign
from services.notifier.settings import Settings
from shared.testing.factories import contact_details, contact_request
from tests.component.test_notifier_consumer import (
    TOPICS,
    WEDNESDAY_NOON,
    ClientFactory,
    Wiring,
    eventually,
)

SETTINGS = Settings(
    public_base_url="https://notifier.bank.example",
    email={"unsubscribe_keys": ["new-key", "old-key"], "reply_address": "replies@bank.example"},
)
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def link_path(headers: dict[str, str]) -> str:
    link = headers["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    assert link.startswith("https://notifier.bank.example/v1/email/unsubscribe/")
    return urlsplit(link).path


async def test_a_one_click_unsubscribe_stops_the_next_email_not_the_sms(
    aiohttp_client: ClientFactory,
) -> None:
    wiring = Wiring()
    client = await aiohttp_client(build_app(SETTINGS, wiring.deps))
    first = contact_request(channels=("email",))
    debtor = first.debtor_id
    wiring.arrive(
        TOPICS.customer_events, contact_details(debtor, mobile="+8613800000001", locale="zh-CN")
    )
    await eventually(lambda: debtor in wiring.store.contacts)
    wiring.arrive(TOPICS.contact_requests, first)
    await eventually(lambda: len(wiring.email.sent) == 1)
    _, message, _ = wiring.email.sent[0]
    headers = dict(message.headers)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:replies@bank.example?subject=unsubscribe>" in headers["List-Unsubscribe"]
    path = link_path(headers)

    page = await client.get(path)
    assert page.status == 200
    text = await page.text()
    assert "确认退订" in text
    assert 'name="List-Unsubscribe" value="One-Click"' in text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert wiring.store.opt_outs[debtor] == set()  # a GET (a link scanner) changes nothing

    done = await client.post(path, data=ONE_CLICK)
    again = await client.post(path, data=ONE_CLICK)
    assert (done.status, again.status) == (200, 200)
    assert "已退订" in await done.text()
    assert wiring.store.opt_outs[debtor] == {"email"}

    second = contact_request(debtor_id=debtor, loan_id=first.loan_id, channels=("email", "sms"))
    wiring.arrive(TOPICS.contact_requests, second)
    await eventually(lambda: len(wiring.sms.sent) == 1)
    await eventually(
        lambda: any(
            i.request_id == second.event_id and i.channel == "email" and i.kind == "send_blocked"
            for i in wiring.interactions()
        )
    )
    assert len(wiring.email.sent) == 1
    replies = {
        i.event_id
        for i in wiring.interactions()
        if i.kind == "reply_received" and i.channel == "email"
    }
    assert len(replies) == 1


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (
            sign(
                [b"new-key"], Unsubscribe("d1", "email", "en", WEDNESDAY_NOON + timedelta(days=1))
            ),
            200,
        ),
        (
            sign(
                [b"old-key"], Unsubscribe("d1", "email", "en", WEDNESDAY_NOON + timedelta(days=1))
            ),
            200,
        ),
        (
            sign(
                [b"someone"], Unsubscribe("d1", "email", "en", WEDNESDAY_NOON + timedelta(days=1))
            ),
            403,
        ),
        (sign([b"new-key"], Unsubscribe("d1", "email", "en", WEDNESDAY_NOON)), 410),
        ("not-a-token", 400),
    ],
)
async def test_links_are_checked_before_anything_happens(
    aiohttp_client: ClientFactory, token: str, status: int
) -> None:
    wiring = Wiring()
    client = await aiohttp_client(build_app(SETTINGS, wiring.deps))
    page = await client.get(f"/v1/email/unsubscribe/{token}")
    assert page.status == status
    posted = await client.post(f"/v1/email/unsubscribe/{token}", data=ONE_CLICK)
    assert posted.status == status
    if status != 200:
        assert (await posted.json())["error"]
        assert wiring.store.opt_outs["d1"] == set()
    else:
        assert "Unsubscribe" in await page.text()
        assert wiring.store.opt_outs["d1"] == {"email"}


async def test_a_post_without_the_one_click_body_is_refused(aiohttp_client: ClientFactory) -> None:
    wiring = Wiring()
    client = await aiohttp_client(build_app(SETTINGS, wiring.deps))
    token = sign(
        [b"new-key"], Unsubscribe("d1", "email", "zh-CN", WEDNESDAY_NOON + timedelta(days=1))
    )
    posted = await client.post(f"/v1/email/unsubscribe/{token}", data={"List-Unsubscribe": "x"})
    assert posted.status == 400
    assert "One-Click" in (await posted.json())["error"]
    assert wiring.store.opt_outs["d1"] == set()
