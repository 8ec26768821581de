"""The compliance officers' reports, from the desk's own record of contacts and actions.

Pure: contacts (the notifier's interactions, and replies understood as opt-outs, disputes or
complaints) and agents' actions in, rows out; each report is also a CSV (stable English column
names; a cell that a spreadsheet would run as a formula is quoted with a leading apostrophe).
Days are the bank's local days (the calendar's zone).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.desk.domain.model import AgentAction, Contact

#: The sender a message counts under in the per-agency report: the bank itself sends them.
BANK = "bank"
REFUSED = ("send_blocked", "send_deferred", "send_escalated", "call_refused")
OPT_OUTS = frozenset({"opt_out", "stop_calling"})
DISPUTES = frozenset({"dispute", "complaint"})


@dataclass(frozen=True)
class Cap:
    """A daily cap the report holds each borrower's contacts against."""

    name: str
    kinds: frozenset[str]
    channels: frozenset[str]
    max: int
    #: Where the figure comes from (the policy pack's rule).
    source: str


#: The cn pack's caps (services/notifier/config/packs/cn.yaml), per local day: CN-FREQ-MSG is
#: two SMS or WeChat messages per rolling 24 hours, CN-FREQ-1 three connected calls a day
#: (every reported call is counted here, connected or not: the conservative reading).
DEFAULT_CAPS: tuple[Cap, ...] = (
    Cap("messages", frozenset({"message_sent"}), frozenset({"sms", "wechat"}), 2, "CN-FREQ-MSG"),
    Cap("calls", frozenset({"call_made"}), frozenset({"voice"}), 3, "CN-FREQ-1"),
)


@dataclass(frozen=True)
class CapRow:
    debtor_id: str
    day: date
    cap: str
    count: int
    max: int
    source: str

    @property
    def over(self) -> bool:
        return self.count > self.max


@dataclass(frozen=True)
class RefusalRow:
    rule: str
    blocked: int
    deferred: int
    escalated: int


@dataclass(frozen=True)
class Raised:
    """An opt-out, a dispute or a complaint: from a reply or an agent's record."""

    debtor_id: str
    loan_id: str | None
    what: str
    source: str  # reply | agent
    at: datetime
    age_days: int


@dataclass(frozen=True)
class AgencyRow:
    agency: str
    calls_made: int
    calls_refused: int
    messages: int


def cap_rows(contacts: Iterable[Contact], caps: Sequence[Cap], zone: ZoneInfo) -> list[CapRow]:
    """Each borrower's counted contacts per local day and cap, the fullest first."""
    counts: Counter[tuple[str, date, str]] = Counter()
    for c in contacts:
        for cap in caps:
            if c.kind in cap.kinds and c.channel in cap.channels:
                counts[(c.debtor_id, c.at.astimezone(zone).date(), cap.name)] += 1
    by_name = {cap.name: cap for cap in caps}
    rows = [
        CapRow(debtor, day, name, n, by_name[name].max, by_name[name].source)
        for (debtor, day, name), n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.count / max(r.max, 1), r.day, r.debtor_id, r.cap))


def _refusal(contact: Contact) -> str:
    if contact.kind == "call_refused":
        word = (contact.reason or "").split(" ", 1)[0].upper()
        return {"DEFER": "deferred", "ESCALATE": "escalated"}.get(word, "blocked")
    return {"send_deferred": "deferred", "send_escalated": "escalated"}.get(contact.kind, "blocked")


def refusal_rows(contacts: Iterable[Contact]) -> list[RefusalRow]:
    """Blocked, deferred and escalated sends and dials, per rule that fired, the most first."""
    counts: Counter[tuple[str, str]] = Counter()
    for c in contacts:
        if c.kind in REFUSED:
            for rule in c.rules or ("(none)",):
                counts[(rule, _refusal(c))] += 1
    rules = {rule for rule, _ in counts}
    rows = [
        RefusalRow(r, counts[(r, "blocked")], counts[(r, "deferred")], counts[(r, "escalated")])
        for r in rules
    ]
    return sorted(rows, key=lambda r: (-(r.blocked + r.deferred + r.escalated), r.rule))


def raised(
    contacts: Iterable[Contact],
    actions: Iterable[AgentAction],
    wanted: frozenset[str],
    today: date,
    zone: ZoneInfo,
) -> list[Raised]:
    """Replies understood as, and agents' records of, one of ``wanted``; the oldest first."""

    def age(at: datetime) -> int:
        return max((today - at.astimezone(zone).date()).days, 0)

    found = [
        Raised(c.debtor_id, c.loan_id, c.intent or "", "reply", c.at, age(c.at))
        for c in contacts
        if c.kind == "reply_understood" and c.intent in wanted
    ]
    found += [
        Raised(a.debtor_id, a.loan_id, a.action, "agent", a.at, age(a.at))
        for a in actions
        if a.action in wanted
    ]
    return sorted(found, key=lambda r: (r.at, r.debtor_id, r.what))


def agency_rows(contacts: Iterable[Contact]) -> list[AgencyRow]:
    """Calls made and refused per agency (the sender that asked the gate), and the bank's own
    messages."""
    made: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    for c in contacts:
        if c.kind == "call_made":
            made[c.provider or BANK] += 1
        elif c.kind == "call_refused":
            refused[c.provider or BANK] += 1
        elif c.kind == "message_sent":
            messages[BANK] += 1
    agencies = sorted(set(made) | set(refused) | set(messages))
    return [AgencyRow(a, made[a], refused[a], messages[a]) for a in agencies]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (RFC 4180, CRLF line ends) of ``rows`` under ``header``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


@dataclass(frozen=True)
class Report:
    """Every report over one period of local days (``start`` to ``end``, both included)."""

    start: date
    end: date
    caps: list[CapRow]
    refusals: list[RefusalRow]
    opt_outs: list[Raised]
    disputes: list[Raised]
    agencies: list[AgencyRow]
    #: More rows than one report reads: the figures are incomplete (choose a shorter period).
    truncated: bool = False


def build_report(
    contacts: Sequence[Contact],
    actions: Sequence[AgentAction],
    *,
    caps: Sequence[Cap],
    period: tuple[date, date],
    today: date,
    zone: ZoneInfo,
) -> Report:
    return Report(
        start=period[0],
        end=period[1],
        caps=cap_rows(contacts, caps, zone),
        refusals=refusal_rows(contacts),
        opt_outs=raised(contacts, actions, OPT_OUTS, today, zone),
        disputes=raised(contacts, actions, DISPUTES, today, zone),
        agencies=agency_rows(contacts),
    )


REPORTS: tuple[str, ...] = ("caps", "refusals", "opt_outs", "disputes", "agencies")


def _raised_table(rows: list[Raised]) -> tuple[list[str], list[list[object]]]:
    header = ["debtor_id", "loan_id", "what", "source", "raised_at", "age_days"]
    return header, [
        [r.debtor_id, r.loan_id, r.what, r.source, r.at.isoformat(), r.age_days] for r in rows
    ]


def table(report: Report, name: str) -> tuple[list[str], list[list[object]]]:
    """One report's CSV header and rows. :raises KeyError: no report has that name."""
    if name == "caps":
        return ["debtor_id", "day", "cap", "count", "max", "over", "source"], [
            [r.debtor_id, r.day.isoformat(), r.cap, r.count, r.max, r.over, r.source]
            for r in report.caps
        ]
    if name == "refusals":
        return ["rule", "blocked", "deferred", "escalated"], [
            [r.rule, r.blocked, r.deferred, r.escalated] for r in report.refusals
        ]
    if name in ("opt_outs", "disputes"):
        return _raised_table(report.opt_outs if name == "opt_outs" else report.disputes)
    if name == "agencies":
        return ["agency", "calls_made", "calls_refused", "messages"], [
            [r.agency, r.calls_made, r.calls_refused, r.messages] for r in report.agencies
        ]
    raise KeyError(name)
