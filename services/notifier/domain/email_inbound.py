"""Mail arriving at the reply address, pure (stdlib ``email``): a reply's own words, or a DSN.

What the borrower wrote is the first text part (plain preferred, else HTML made text), decoded
from its charset, with the quoted message under it ("On … wrote:", "在 … 写道：", "-----
Original Message -----", "发件人：", ``>`` lines) and the signature (``-- ``, "Sent from my
iPhone", "发自我的iPhone") cut away; an empty body falls back to the subject (a ``mailto:``
unsubscribe has only a subject).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Final

from services.notifier.domain.email_dsn import DeliveryReport, is_report, read_report

#: The most of a reply's text the classifier reads.
LONGEST_TEXT: Final = 2000
_ATTRIBUTION: Final = (
    re.compile(r"^\s*on\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在.{0,300}写道\s*[:：]\s*$"),
    re.compile(r"^\s*-{2,}\s*(original message|原始邮件|转发邮件)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*(from|发件人)\s*[:：]", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted headers
)
_SIGNATURE: Final = (
    re.compile(r"^-- ?$"),
    re.compile(r"^\s*sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*(发自我的|来自我的)\S*\s*$"),
)
_SUBJECT_PREFIX: Final = re.compile(r"^\s*((re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


class MailUnreadable(Exception):
    """Not a message that can be read (kept, never dropped)."""


@dataclass(frozen=True)
class ArrivedMail:
    """One message as the SMTP listener took it: the envelope and the bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class InboundMail:
    """What arrived: a report (a DSN) or a reply, from ``sender``, once per ``dedupe``."""

    sender: str
    dedupe: str
    text: str
    report: DeliveryReport | None = None
    #: Sent by a program, not the borrower (an out-of-office answer, RFC 3834).
    automatic: bool = False


def read_mail(arrived: ArrivedMail) -> InboundMail:
    """The reply's own words, or the DSN's report. Raises :class:`MailUnreadable`."""
    message = message_from_bytes(arrived.raw, policy=policy.default)
    if not message.keys():
        raise MailUnreadable("not a mail message")
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    dedupe = hashlib.sha256(str(message.get("Message-ID", "")).encode()).hexdigest()
    if not message.get("Message-ID"):
        dedupe = arrived.digest  # (a message without an id is the same message byte for byte)
    if is_report(message):
        return InboundMail(sender, dedupe, "", read_report(message))
    text = strip_quoted(_body(message))
    if not text:
        text = _SUBJECT_PREFIX.sub("", str(message.get("Subject", ""))).strip()
    automatic = str(message.get("Auto-Submitted", "no")).strip().lower() != "no"
    automatic = automatic or not arrived.mail_from.strip("<> ")  # the null sender: a program
    return InboundMail(sender, dedupe, text[:LONGEST_TEXT], automatic=automatic)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AttributeError):  # an unknown or lying charset
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else ""
    if not isinstance(content, str):
        return ""
    return html_text(content) if part.get_content_type() == "text/html" else content


def strip_quoted(text: str) -> str:
    """The reply above the quoted message and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for n, line in enumerate(lines):
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if any(p.match(line) for p in (*_ATTRIBUTION, *_SIGNATURE)):
            break
        if line.lstrip().lower().startswith("on ") and following.strip().endswith("wrote:"):
            break  # an attribution wrapped over two lines
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


class _Text(HTMLParser):
    """HTML as the reader sees it: text, line breaks at blocks, no quoted mail or scripts."""

    _SKIP: Final = frozenset({"script", "style", "head", "blockquote"})
    _BREAK: Final = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3"})
    _VOID: Final = frozenset({"br", "img", "hr", "meta", "input", "link", "wbr", "col"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        quoted = any(k == "class" and v and "quote" in v for k, v in attrs)
        if tag in self._VOID and self._skipping:
            return
        if self._skipping or tag in self._SKIP or (tag == "div" and quoted):
            self._skipping.append(tag)
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:  # (an unclosed tag inside is closed with it)
            while self._skipping.pop() != tag:
                pass

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping and tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The text of an HTML body (``<blockquote>`` and ``*quote`` divs left out)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def recipient_domain(address: str) -> str:
    """The domain of an envelope recipient, lower-cased."""
    return parseaddr(address)[1].rpartition("@")[2].strip().lower()


@dataclass(frozen=True)
class KeptMail:
    """A message no reply path took (no matching sender, an unmatched bounce, a failed DKIM
    check, unreadable): kept whole for a person, never dropped. ``reason`` is a bounded code."""

    key: str
    at: datetime
    reason: str
    raw: bytes
    #: The sender's contact point (a hash, never the address), when there is a sender.
    sender_point: str | None = None
