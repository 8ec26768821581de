"""The state models' copy: what pydantic's own ``model_copy`` gives, made directly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from services.scheduler.domain.loan import Instalment, Loan
from services.scheduler.domain.state import built


def _loan() -> Loan:
    return Loan(
        loan_id="l",
        debtor_id=None,
        account_masked="*",
        product="p",
        currency="CNY",
        instalments=(Instalment(number=1, due_date=date(2026, 3, 1), principal=1, interest=0),),
        applied={"loans": 3},
    )


@pytest.mark.parametrize(
    "update",
    [None, {}, {"episode": 2}, {"debtor_id": "d", "fired": frozenset({"step:a"})}],
)
def test_a_copy_equals_pydantics_own(update: dict[str, object] | None) -> None:
    loan = _loan()
    ours = loan.model_copy(update=update)
    theirs = BaseModel.model_copy(loan, update=update)
    assert ours == theirs
    assert ours.__dict__ == theirs.__dict__
    assert ours.model_fields_set == theirs.model_fields_set
    assert ours.model_dump_json() == theirs.model_dump_json()
    assert ours is not loan
    assert ours.__dict__ is not loan.__dict__
    with pytest.raises(ValidationError):
        ours.episode = 9  # type: ignore[misc]


def test_a_copy_leaves_the_original_as_it_was() -> None:
    loan = _loan()
    loan.model_copy(update={"paid_total": Decimal(5)})
    assert loan.paid_total == 0
    assert "paid_total" not in loan.model_fields_set


def test_a_deep_copy_is_pydantics() -> None:
    loan = _loan()
    deep = loan.model_copy(update={"episode": 1}, deep=True)
    assert deep == BaseModel.model_copy(loan, update={"episode": 1}, deep=True)
    assert deep.applied is not loan.applied


def test_built_from_every_field_equals_the_validated_model() -> None:
    loan = _loan()
    made = built(Loan, dict(loan.__dict__))
    assert made == loan
    assert made.model_fields_set == set(Loan.model_fields)
