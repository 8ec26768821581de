"""The compliance reports from contacts and actions: local days, caps, rules, ages, agencies,
and CSV a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from services.desk.domain.model import AgentAction, Contact
from services.desk.domain.reports import (
    DEFAULT_CAPS,
    agency_rows,
    build_report,
    cap_rows,
    csv_text,
    raised,
    refusal_rows,
    table,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def contact(n: int, at: datetime, kind: str = "message_sent", **fields: object) -> Contact:
    values: dict[str, object] = {"channel": "sms", "debtor_id": "d1", "loan_id": "l1"}
    return Contact.model_validate({"event_id": f"e{n}", "at": at, "kind": kind, **values, **fields})


def test_contacts_count_per_borrower_per_local_day_against_each_cap() -> None:
    late_evening = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)  # 23:30 on 4 March in Shanghai
    after_midnight = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)  # 00:30 on 5 March
    contacts = [
        contact(1, datetime(2026, 3, 4, 2, 0, tzinfo=UTC)),
        contact(2, datetime(2026, 3, 4, 3, 0, tzinfo=UTC), channel="wechat"),
        contact(3, late_evening),
        contact(4, after_midnight),
        contact(5, late_evening, channel="email"),  # no cap counts email
        contact(6, late_evening, kind="send_deferred"),
        contact(7, late_evening, kind="call_made", channel="voice"),
    ]
    rows = cap_rows(contacts, DEFAULT_CAPS, SHANGHAI)
    assert [(r.day, r.cap, r.count, r.max, r.over) for r in rows] == [
        (date(2026, 3, 4), "messages", 3, 2, True),  # the fullest against its cap first
        (date(2026, 3, 5), "messages", 1, 2, False),
        (date(2026, 3, 4), "calls", 1, 3, False),
    ]


def test_blocks_deferrals_and_escalations_per_rule() -> None:
    at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    contacts = [
        contact(1, at, "send_blocked", rules=("CN-HOURS", "CN-HOLIDAY")),
        contact(2, at, "send_deferred", rules=("CN-FREQ-MSG",)),
        contact(3, at, "send_deferred", rules=("CN-FREQ-MSG",)),
        contact(4, at, "call_refused", channel="voice", rules=("CN-FREQ-1",), reason="DEFER for"),
        contact(5, at, "call_refused", channel="voice", rules=("CN-FREQ-1",), reason="BLOCK for"),
        contact(6, at, "send_escalated"),
        contact(7, at, "message_sent", rules=("CN-CONTENT-REQ",)),
    ]
    rows = {r.rule: (r.blocked, r.deferred, r.escalated) for r in refusal_rows(contacts)}
    assert rows == {
        "CN-FREQ-MSG": (0, 2, 0),
        "CN-FREQ-1": (1, 1, 0),
        "CN-HOURS": (1, 0, 0),
        "CN-HOLIDAY": (1, 0, 0),
        "(none)": (0, 0, 1),
    }


def test_disputes_and_opt_outs_from_replies_and_agents_with_their_age() -> None:
    reply_at = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # midnight, 2 March in Shanghai
    contacts = [
        contact(1, reply_at, "reply_understood", intent="dispute"),
        contact(2, reply_at, "reply_understood", intent="opt_out"),
        contact(3, reply_at, "reply_received"),
    ]
    action = AgentAction(
        action_id="a1",
        loan_id="l1",
        debtor_id="d1",
        action="complaint",
        actor="agent-7",
        at=datetime(2026, 3, 4, 2, 0, tzinfo=UTC),
    )
    today = date(2026, 3, 9)
    disputes = raised(contacts, [action], frozenset({"dispute", "complaint"}), today, SHANGHAI)
    assert [(r.what, r.source, r.age_days) for r in disputes] == [
        ("dispute", "reply", 7),
        ("complaint", "agent", 5),
    ]
    opt_outs = raised(contacts, [action], frozenset({"opt_out"}), today, SHANGHAI)
    assert [(r.what, r.source) for r in opt_outs] == [("opt_out", "reply")]


def test_calls_count_under_the_agency_that_dialled_messages_under_the_bank() -> None:
    at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    contacts = [
        contact(1, at, "call_made", channel="voice", provider="agency-7"),
        contact(2, at, "call_made", channel="voice", provider="agency-7"),
        contact(3, at, "call_refused", channel="voice", provider="agency-9"),
        contact(4, at, provider="aliyun"),
    ]
    assert [
        (r.agency, r.calls_made, r.calls_refused, r.messages) for r in agency_rows(contacts)
    ] == [
        ("agency-7", 2, 0, 0),
        ("agency-9", 0, 1, 0),
        ("bank", 0, 0, 1),
    ]


def test_every_report_is_a_csv_whose_cells_never_run_as_formulas() -> None:
    at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    contacts = [contact(1, at, "send_blocked", rules=("=HYPERLINK()",))]
    report = build_report(
        contacts,
        [],
        caps=DEFAULT_CAPS,
        period=(date(2026, 3, 1), date(2026, 3, 9)),
        today=date(2026, 3, 9),
        zone=SHANGHAI,
    )
    for name in ("caps", "refusals", "opt_outs", "disputes", "agencies"):
        header, rows = table(report, name)
        parsed = list(csv.reader(io.StringIO(csv_text(header, rows))))
        assert parsed[0] == header
        assert len(parsed) == len(rows) + 1
    header, rows = table(report, "refusals")
    assert csv_text(header, rows).splitlines()[1] == "'=HYPERLINK(),1,0,0"
    assert csv_text(header, rows).endswith("\r\n")
