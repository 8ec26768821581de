"""The register's rules: the answer's due day from the pack, overdue, resolution once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml

from services.desk.domain.disputes import answer_periods, confirmed, register, resolve
from services.desk.domain.tasks import TransitionRefused
from services.desk.settings import PACKS_DIR
from shared.errors import ConfigurationError
from shared.events import DisputeOpened, DisputeResolved
from tests.support.desk import CN, CN_ANSWERS, OPENED


def opened(on: date, category: str = "complaint") -> DisputeOpened:
    return DisputeOpened.model_validate(
        {
            "event_id": "dispute-1",
            "occurred_at": OPENED,
            "loan_id": "loan-1",
            "debtor_id": "debtor-1",
            "category": category,
            "origin": "call",
            "origin_id": "call-1",
            "opened_on": on,
            "actor": "agent-7",
        }
    )


def test_the_cn_pack_gives_fifteen_days_and_the_us_pack_thirty_for_a_dispute() -> None:
    assert dict(CN_ANSWERS.days) == {"dispute": 15, "complaint": 15}
    assert CN_ANSWERS.rule == "CN-DISPUTE-HOLD"
    us = answer_periods(yaml.safe_load((PACKS_DIR / "us.yaml").read_text("utf-8")))
    assert dict(us.days) == {"dispute": 30, "complaint": 15}


def test_the_answer_is_due_fifteen_days_on_rolled_to_a_business_day() -> None:
    # Wednesday 4 March + 15 days is Thursday 19 March, a business day.
    assert register(opened(date(2026, 3, 4)), CN_ANSWERS, CN).answer_due == date(2026, 3, 19)
    # 16 September + 15 is 1 October, National Day: the first business day after the holiday.
    due = register(opened(date(2026, 9, 16)), CN_ANSWERS, CN).answer_due
    assert due > date(2026, 10, 1)
    assert CN.is_business_day(due)
    assert not any(CN.is_business_day(date(2026, 10, 1) + timedelta(d)) for d in range(due.day - 1))


def test_an_entry_is_overdue_only_while_open_after_its_due_day() -> None:
    entry = register(opened(date(2026, 3, 4)), CN_ANSWERS, CN)
    assert (entry.status, entry.actor, entry.origin) == ("open", "agent-7", "call")
    assert not entry.overdue(date(2026, 3, 19))
    assert entry.overdue(date(2026, 3, 20))
    done = resolve(entry, resolution="rejected", note="paid in full", by="sup-1", at=OPENED)
    assert (done.status, done.resolution, done.resolved_by) == ("resolved", "rejected", "sup-1")
    assert not done.overdue(date(2026, 4, 30))
    with pytest.raises(TransitionRefused):
        resolve(done, resolution="upheld", note=None, by="sup-2", at=OPENED)


def test_the_schedulers_resolution_confirms_an_open_entry_only() -> None:
    entry = register(opened(date(2026, 3, 4)), CN_ANSWERS, CN)
    event = DisputeResolved(
        event_id="r-1",
        occurred_at=OPENED,
        dispute_id="dispute-1",
        loan_id="loan-1",
        debtor_id="debtor-1",
        category="complaint",
        resolution="upheld",
        resolved_by="sup-9",
    )
    done = confirmed(entry, event)
    assert done is not None
    assert (done.status, done.resolved_by) == ("resolved", "sup-9")
    assert confirmed(done, event) is None


@pytest.mark.parametrize(
    "pack",
    [
        {"rules": []},
        {"rules": [{"id": "X", "type": "debt_hold", "answer_days": {"dispute": 15}}]},
        {
            "rules": [
                {"id": "X", "type": "debt_hold", "answer_days": {"dispute": 0, "complaint": 1}}
            ]
        },
    ],
)
def test_a_pack_without_answer_periods_is_refused(pack: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        answer_periods(pack)
