"""The provider sandbox itself: its fault switch, and fakes that check signatures themselves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import quote_plus

import aiohttp

from sandbox.providers import ProviderSandbox
from services.notifier.adapters.channels.signing import aliyun_signature, tc3_authorization
from tests.support.providers import CRED, sandbox, session

__all__ = ["sandbox", "session"]  # the fixtures: the provider sandbox, a session of short timeouts


async def test_a_fault_switch_mixes_the_kinds_it_is_given(sandbox: ProviderSandbox) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.post(
            f"{sandbox.url}/_faults",
            json={"provider": "aliyun", "kinds": ["5xx", "timeout", "429"], "count": 60},
        ) as r:
            assert r.status == 200
        async with s.post(f"{sandbox.url}/_faults", json={"provider": "aliyun", "kinds": []}) as r:
            assert r.status == 400
    chosen = {sandbox.state.fault("aliyun") for _ in range(60)}
    assert chosen == {"5xx", "timeout", "429"}
    assert sandbox.state.fault("aliyun") is None  # the count is spent


def naive_aliyun_signature(params: dict[str, str], secret: str) -> str:
    """Aliyun's scheme with plain form encoding: the regression the fake must catch."""
    canonical = "&".join(
        f"{quote_plus(k)}={quote_plus(v, safe='*~')}" for k, v in sorted(params.items())
    )
    to_sign = f"GET&%2F&{quote_plus(canonical)}".encode()
    digest = hmac.new(f"{secret}&".encode(), to_sign, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TestTheFakesCheckSignaturesThemselves:
    """The fakes verify with their own code: a request our signing got wrong is refused."""

    def aliyun_query(self) -> dict[str, str]:
        return {
            "AccessKeyId": CRED.aliyun_key_id,
            "Action": "QuerySendDetails",
            "Format": "JSON",
            "PhoneNumber": "13800000001",
            "SendDate": datetime.now(UTC).strftime("%Y%m%d"),
            "PageSize": "10",
            "CurrentPage": "1",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": f"nonce-{datetime.now(UTC).timestamp()}",
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "OutId": "a b*c~d",  # every character the special encoding treats apart
        }

    async def aliyun_code(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession, query: dict[str, str]
    ) -> str:
        async with session.get(f"{sandbox.url}/aliyun/", params=query) as r:
            return str(json.loads(await r.text())["Code"])

    async def test_aliyun_takes_our_signature_and_refuses_a_tampered_or_misencoded_one(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        query = self.aliyun_query()
        signed = query | {"Signature": aliyun_signature(query, CRED.aliyun_secret)}
        assert await self.aliyun_code(sandbox, session, signed) == "OK"
        tampered = self.aliyun_query()
        tampered |= {"Signature": aliyun_signature(tampered, CRED.aliyun_secret)}
        tampered["PageSize"] = "50"
        assert await self.aliyun_code(sandbox, session, tampered) == "SignatureDoesNotMatch"
        # A signer that forgot the special encoding (a space as "+", "*" and "~" as they come).
        query = self.aliyun_query()
        wrong = naive_aliyun_signature(query, CRED.aliyun_secret)
        assert wrong != aliyun_signature(query, CRED.aliyun_secret)
        assert await self.aliyun_code(sandbox, session, query | {"Signature": wrong}) == (
            "SignatureDoesNotMatch"
        )

    async def test_tencent_refuses_a_signature_over_another_body(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        now = int(datetime.now(UTC).timestamp())
        host = sandbox.url.removeprefix("http://")
        signed_for = b'{"PhoneNumberSet": ["+8613800000002"]}'
        header = tc3_authorization(
            secret_id=CRED.tencent_secret_id,
            secret_key=CRED.tencent_secret_key,
            service="sms",
            host=host,
            timestamp=now,
            date=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d"),
            payload=signed_for,
        )
        headers = {
            "Authorization": header,
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(now),
        }
        sent = b'{"PhoneNumberSet": ["+8613800000009"]}'
        async with session.post(f"{sandbox.url}/tencent/", data=sent, headers=headers) as r:
            error = json.loads(await r.text())["Response"]["Error"]["Code"]
        assert error == "AuthFailure.SignatureFailure"
        assert sandbox.state.received == []
