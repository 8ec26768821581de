"""What the console shows of visits and disputes: the state a person reads, the slot in the
page's language, the business days offered for a new slot, a dispute's age."""

from __future__ import annotations

from datetime import date

from services.desk.domain import visit_pages
from services.desk.domain.disputes import register
from services.desk.domain.visits import cancelled, proposed
from tests.support.desk import CN, CN_ANSWERS, Loan
from tests.support.visits import cancellation, proposal


def test_a_proposal_whose_notice_went_out_reads_notice_sent() -> None:
    loan = Loan()
    event = proposal(loan)
    visit = proposed(event)
    assert visit_pages.shown_state(visit) == "proposed"
    sent = visit_pages.sent_notices(
        [{"request_id": event.notice_id, "kind": "message_sent"}, {"kind": "reply_received"}]
    )
    assert visit_pages.shown_state(visit, sent) == "notice_sent"
    off = cancelled(visit, cancellation(loan, event, "cured"))
    assert off is not None
    assert visit_pages.shown_state(off, sent) == "cancelled_cured"


def test_the_slot_in_the_pages_language() -> None:
    visit = proposed(proposal(Loan()))
    zh, en = visit_pages.visit_row(visit, "zh-CN"), visit_pages.visit_row(visit, "en")
    assert (zh.day, zh.hours) == ("2026-03-12", "09:30-10:30")
    assert zh.place.startswith("示例银行上海浦东支行")
    assert en.place.startswith("Example Bank Shanghai Pudong Branch")
    only_zh = visit.model_copy(
        update={"slot": visit.slot.model_copy(update={"place": {"zh-CN": "浦东支行"}})}
    )
    assert visit_pages.place_of(only_zh, "en") == "浦东支行"
    assert (zh.workable, zh.movable) == (False, True)


def test_the_days_offered_are_business_days_after_the_slot_and_tomorrow() -> None:
    visit = proposed(proposal(Loan(), day=date(2026, 9, 30)))
    # 1-7 October 2026 is the National Day holiday in the cn calendar.
    days = visit_pages.offered_days(visit, date(2026, 9, 28), CN)
    assert len(days) == visit_pages.SLOTS_OFFERED
    assert all(CN.is_business_day(d) for d in days)
    assert days[0] > date(2026, 10, 7)
    later = visit_pages.offered_days(visit, date(2026, 10, 20), CN)
    assert later[0] == date(2026, 10, 21)


def test_a_disputes_age_and_overdue_answer() -> None:
    opened = Loan().dispute("dispute", day=4)
    entry = register(opened, CN_ANSWERS, CN)
    [row] = visit_pages.dispute_rows([entry], date(2026, 3, 30))
    assert (row.age_days, row.overdue, row.status) == (26, True, "open")
    [fresh] = visit_pages.dispute_rows([entry], date(2026, 3, 4))
    assert (fresh.age_days, fresh.overdue) == (0, False)
