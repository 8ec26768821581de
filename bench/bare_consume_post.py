"""The notifier's fair baseline: a bare aiokafka consumer making the notifier's signed Aliyun
SendSms call for each record, its receipts taken back and acknowledged.

``python -m bench.bare_consume_post TOPIC COUNT BOOTSTRAP ENDPOINT CALLBACK_PORT CONCURRENCY``
consumes COUNT contact requests and, for each, reads the debtor from the record (JSON), signs a
SendSms with the notifier's own signing code (Aliyun RPC signature v1: nonce, timestamp,
HMAC-SHA1) and calls the sandbox's Aliyun endpoint, at most CONCURRENCY calls side by side, as
the notifier's ``SEND_CONCURRENCY``; it commits each poll's offsets once its calls are
answered. It listens on CALLBACK_PORT for the sandbox's SmsReport pushes (the notifier's
callback path) and answers each as Aliyun asks, and exits once every send's receipt came back.
No gate, no ledger, no rendering, no interaction: the floor of the cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from aiokafka import AIOKafkaConsumer

from sandbox.loanbook import sandbox_mobile
from sandbox.providers.core import Credentials
from services.notifier.adapters.channels.signing import aliyun_signature
from services.notifier.domain.sends import verification_code

SECRET = b"local-development-only"  # the notifier's default verification key
#: The overdue notice's approved Aliyun copy (zh-CN) and values of a notice's usual lengths.
TEMPLATE_CODE = "SMS_480101"
VALUES = {
    "last4": "5678",
    "account": "6222****5678",
    "amount": "2,120.00元",
    "days_past_due": "3",
    "due_date": "11月27日",
    "pay_by": "12月7日",
    "verify_url": "https://bank.example/verify",
    "hotline": "95500",
}


def signed(record: bytes, credentials: Credentials) -> dict[str, str]:
    """The SendSms query for one contact request, signed as the notifier signs it."""
    event = json.loads(record)
    debtor, event_id = event["debtor_id"], event["event_id"]
    code = verification_code(SECRET, event_id, "sms")
    query = {
        "AccessKeyId": credentials.aliyun_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": str(uuid.uuid4()),
        "SignatureVersion": "1.0",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        "PhoneNumbers": sandbox_mobile(int(debtor.rsplit("-D", 1)[1])).removeprefix("+86"),
        "SignName": credentials.sign_name,
        "TemplateCode": TEMPLATE_CODE,
        "TemplateParam": json.dumps(VALUES | {"code": code}, ensure_ascii=False),
        "OutId": event_id,
    }
    return query | {"Signature": aliyun_signature(query, credentials.aliyun_secret)}


async def receipts(port: int, count: int) -> tuple[web.AppRunner, asyncio.Event]:
    """The SmsReport endpoint: each push acknowledged as Aliyun asks; set once ``count``."""
    done, seen = asyncio.Event(), [0]

    async def report(request: web.Request) -> web.Response:
        seen[0] += len(json.loads(await request.read()))
        if seen[0] >= count:
            done.set()
        return web.json_response({"code": 0, "msg": "成功"})

    app = web.Application()
    app.router.add_post("/v1/callbacks/aliyun/{secret}/report", report)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, done


async def main(
    topic: str, count: int, bootstrap: str, endpoint: str, port: int, concurrency: int
) -> None:
    runner, received = await receipts(port, count)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-post-{os.getpid()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    calls, credentials, done = asyncio.Semaphore(concurrency), Credentials(), 0
    try:
        async with aiohttp.ClientSession() as session:

            async def send(value: bytes) -> None:
                async with calls, session.get(endpoint, params=signed(value, credentials)) as r:
                    body = json.loads(await r.text())
                    if body.get("Code") != "OK":
                        raise RuntimeError(f"aliyun refused the baseline's send: {body}")

            while done < count:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                values = [r.value or b"" for records in batches.values() for r in records]
                await asyncio.gather(*(send(v) for v in values[: count - done]))
                done += len(values)
                if batches:
                    await consumer.commit()
            await asyncio.wait_for(received.wait(), 120)
    finally:
        await consumer.stop()
        await runner.cleanup()


if __name__ == "__main__":
    topic, count, bootstrap, endpoint, port, concurrency = sys.argv[1:7]
    asyncio.run(main(topic, int(count), bootstrap, endpoint, int(port), int(concurrency)))
