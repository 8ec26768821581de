"""What reached the borrowers in a local run: every SMS and WeChat message the provider sandbox
took and every email the SMTP server took, by the verification code each one carries."""

from __future__ import annotations

import re
from collections import Counter

from sandbox.providers.background import BackgroundSandbox
from sandbox.smtp import SmtpInbox

_CODE = re.compile(r"(?:验证码|code)\s*([A-Z2-7]{8})")  # Chinese and English texts


def arrivals(providers: BackgroundSandbox, inbox: SmtpInbox) -> Counter[tuple[str, str]]:
    """(channel, verification code) -> how many times it reached a borrower."""
    seen: Counter[tuple[str, str]] = Counter()
    for item in providers.received():
        seen[("wechat" if item.provider == "wechat" else "sms", item.code or "")] += 1
    for mail in inbox.messages():
        payload = mail.get_payload(decode=True)
        body = payload.decode() if isinstance(payload, bytes) else ""
        for code in _CODE.findall(body):
            seen[("email", code)] += 1
    return seen
