"""The loan codec's stored form as the sweep's shortcut reads it: the same facts as the loan,
the same answer from ``unchanged_by``, the whole loan on demand."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from services.scheduler.adapters import loan_codec
from services.scheduler.bootstrap import memory_deps
from services.scheduler.domain.decisions import unchanged_by
from services.scheduler.domain.loan import Loan
from tests.unit.scheduler.adapters.test_loan_codec import _book_states, _everything


def _view(loan: Loan) -> loan_codec.StoredLoan:
    found = loan_codec.stored(loan_codec.dumps(loan))
    assert isinstance(found, loan_codec.StoredLoan)
    return found


def test_every_state_of_a_book_reads_as_the_same_facts_and_the_same_loan() -> None:
    plan = memory_deps().plan
    states = [*_book_states(), _everything()]
    answers = set()
    for loan in states:
        view = _view(loan)
        assert view.loan() == loan
        assert (view.status, view.debtor_id, view.in_episode) == (
            loan.status,
            loan.debtor_id,
            loan.in_episode,
        )
        assert (view.promise is None) == (loan.promise is None)
        assert len(view.disputes) == len(loan.disputes)
        assert [(i.due_date, i.outstanding) for i in view.instalments] == [
            (i.due_date, i.outstanding) for i in loan.instalments
        ]
        first = loan.instalments[0].due_date
        for ahead in range(-5, 40, 2):
            day = first + timedelta(days=ahead)
            answer = unchanged_by(loan, day, plan)
            assert unchanged_by(view, day, plan) == answer
            answers.add(answer)
    assert answers == {True, False}


def test_an_earlier_json_value_is_read_as_its_loan() -> None:
    loan = _everything()
    assert loan_codec.stored(loan.model_dump_json().encode()) == loan


def test_an_unknown_version_is_refused() -> None:
    value = orjson.dumps([3, *orjson.loads(loan_codec.dumps(_everything()))[1:]])
    with pytest.raises(ValueError, match="unknown version 3"):
        loan_codec.stored(value)
