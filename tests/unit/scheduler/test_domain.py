"""The skeleton contact strategy: one notice per overdue instalment, once per episode."""

from __future__ import annotations

from datetime import date

from services.scheduler.domain import ContactPolicy, LoanContactState, notice_for
from shared.testing.factories import overdue

POLICY = ContactPolicy(template_id="overdue-notice-v1", pay_within_days=7)


class TestNoticeFor:
    def test_an_overdue_instalment_calls_for_a_notice(self) -> None:
        event = overdue()
        request, state = notice_for(event, LoanContactState(), POLICY)
        assert request is not None
        assert (request.loan_id, request.debtor_id) == (event.loan_id, event.debtor_id)
        assert request.account_masked == "****5678"
        assert request.amount_due == event.amount_due
        assert request.pay_by == date(2026, 3, 11)
        assert state.fired == {"overdue-notice-1"}

    def test_the_same_step_fires_once(self) -> None:
        event = overdue()
        _, state = notice_for(event, LoanContactState(), POLICY)
        again, unchanged = notice_for(event, state, POLICY)
        assert again is None
        assert unchanged == state

    def test_a_replay_from_scratch_yields_the_identical_request(self) -> None:
        event = overdue()
        first, _ = notice_for(event, LoanContactState(), POLICY)
        second, _ = notice_for(event, LoanContactState(), POLICY)
        assert first == second

    def test_a_new_episode_gives_a_new_request_id(self) -> None:
        event = overdue()
        first, _ = notice_for(event, LoanContactState(episode=1), POLICY)
        second, _ = notice_for(event, LoanContactState(episode=2), POLICY)
        assert first is not None
        assert second is not None
        assert first.event_id != second.event_id

    def test_the_next_instalment_is_a_new_step(self) -> None:
        first = overdue()
        _, state = notice_for(first, LoanContactState(), POLICY)
        request, _ = notice_for(overdue(loan_id=first.loan_id, instalment_number=2), state, POLICY)
        assert request is not None
        assert request.step == "overdue-notice-2"


def test_state_survives_its_table_encoding() -> None:
    state = LoanContactState(episode=3, fired=frozenset({"a", "b"}))
    assert LoanContactState.from_json(state.to_json()) == state
    assert LoanContactState.from_json(None) == LoanContactState()
