"""The loan Table's compact codec: every state read back equal to the validated model, the
earlier JSON values still read, an unknown version refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import orjson
import pytest
from pydantic import ValidationError

from services.scheduler.adapters import loan_codec
from services.scheduler.bootstrap import memory_deps
from services.scheduler.domain.loan import (
    BookedVisit,
    Instalment,
    Loan,
    OpenDispute,
    Pause,
    Promise,
)
from tests.support.scheduler_book import run_book


def _book_states(loans: int = 120, days: int = 50) -> list[Loan]:
    """Loan states as the scheduler leaves them: a simulated book through its own handler."""
    deps = memory_deps()

    run_book(deps, loans, days, "codec")
    return list(deps.loans.loans.values())  # type: ignore[attr-defined]


def _everything() -> Loan:
    """A loan with every optional part set, and amounts of unusual shapes."""
    return Loan(
        loan_id="l-1",
        debtor_id="d-1",
        account_masked="****1234",
        product="car-loan",
        currency="CNY",
        instalments=(
            Instalment(
                number=1,
                due_date=date(2026, 2, 28),
                principal=Decimal("1E+3"),
                interest=Decimal("0.00"),
                fees=Decimal("-0"),
                penalties=Decimal("12.345678901234567890"),
                paid_principal=Decimal("999.99"),
            ),
            Instalment(number=2, due_date=date(2026, 3, 31), principal=Decimal("5"), interest=1),
        ),
        paid_total=Decimal("999.99"),
        pauses=(Pause(start=date(2026, 3, 1), end=date(2026, 3, 9)), Pause(start=date(2026, 4, 1))),
        promise=Promise(amount=Decimal("300"), by=date(2026, 4, 2), paid_before=Decimal("0")),
        hold_until=date(2026, 4, 5),
        disputes=(OpenDispute(dispute_id="x", category="complaint", opened_on=date(2026, 4, 3)),),
        status="active",
        episode=3,
        in_episode=True,
        fired=frozenset({"step:b", "pre:1:a", "step:a"}),
        range_id="31-60",
        partition=3,
        applied={"loans": 17, "loans#2": 4},
        recent_ids=("e1", "e2"),
        requests_withdrawn=True,
        region="310115",
        visit=BookedVisit(
            visit_id="v",
            sequence=2,
            starts_at=datetime(2026, 4, 7, 9, 30, 0, 1500, tzinfo=ZoneInfo("Asia/Shanghai")),
            branch_id="b-7",
        ),
        evaluated_on=date(2026, 4, 1),
    )


def _same(read: Loan, loan: Loan) -> None:
    assert read == loan
    # (the JSON itself may differ in the order a frozenset's members are listed)
    assert read.model_dump() == loan.model_dump()
    assert (
        orjson.loads(read.model_dump_json()).keys() == orjson.loads(loan.model_dump_json()).keys()
    )
    assert (
        read.model_fields_set == Loan.model_validate_json(loan.model_dump_json()).model_fields_set
    )
    for got, want in zip(read.instalments, loan.instalments, strict=True):
        assert got == want
        assert got.model_dump_json() == want.model_dump_json()
    # The types the model holds, not merely equal values.
    assert type(read.fired) is frozenset
    assert type(read.instalments) is tuple
    assert {type(i.due_date) for i in read.instalments} == {date}
    assert {type(i.paid_fees) for i in read.instalments} == {Decimal}


def test_every_state_of_a_simulated_book_reads_back_equal() -> None:
    states = _book_states()
    assert len(states) == 120
    assert any(s.in_episode for s in states)
    assert any(s.fired for s in states)
    for loan in states:
        _same(loan_codec.loads(loan_codec.dumps(loan)), loan)


def test_a_loan_with_every_part_reads_back_equal_and_deterministic() -> None:
    loan = _everything()
    written = loan_codec.dumps(loan)
    read = loan_codec.loads(written)
    _same(read, loan)
    assert str(read.instalments[0].principal) == "1E+3"
    assert str(read.instalments[0].interest) == "0.00"
    assert read.visit is not None
    assert loan.visit is not None
    assert read.visit.starts_at == loan.visit.starts_at
    assert loan_codec.dumps(read) == written
    assert len(written) < len(loan.model_dump_json()) / 2


def test_a_naive_or_fixed_offset_visit_time_keeps_its_form() -> None:
    for starts in (
        datetime(2026, 4, 7, 9, 30),
        datetime(2026, 4, 7, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 4, 7, 1, 30, tzinfo=UTC),
    ):
        visit = BookedVisit(visit_id="v", sequence=1, starts_at=starts, branch_id="b")
        loan = _everything().model_copy(update={"visit": visit})
        _same(loan_codec.loads(loan_codec.dumps(loan)), loan)


def test_a_read_state_is_a_working_frozen_model() -> None:
    read = loan_codec.loads(loan_codec.dumps(_everything()))
    copied = read.model_copy(update={"episode": 4})
    assert copied.episode == 4
    assert read.episode == 3
    assert hash(read.instalments[1]) == hash(_everything().instalments[1])
    with pytest.raises(ValidationError):
        read.episode = 5  # type: ignore[misc]


def test_a_value_stored_by_the_earlier_version_still_reads() -> None:
    """The Table of the version before this codec held each loan as the model's JSON."""
    stored = (
        b'{"loan_id":"L1","debtor_id":"D1","account_masked":"****0001","product":"personal-loan",'
        b'"currency":"CNY","instalments":[{"number":1,"due_date":"2026-01-18","principal":'
        b'"1933.25","interest":"101.75","fees":"0","penalties":"0","paid_principal":"1933.25",'
        b'"paid_interest":"101.75","paid_fees":"0","paid_penalties":"0"}],"paid_total":"2035",'
        b'"pauses":[],"promise":null,"hold_until":null,"disputes":[],"status":"active",'
        b'"episode":1,"in_episode":false,"fired":["pre:1:courtesy-3d"],"range_id":null,'
        b'"partition":2,"applied":{"loans":824},"recent_ids":["e1"],"requests_withdrawn":true,'
        b'"region":"310115","visit":null}'
    )
    read = loan_codec.loads(stored)
    assert read == Loan.model_validate_json(stored)
    assert read.instalments[0].paid_interest == Decimal("101.75")
    assert read.partition == 2
    # Written again in the compact form, it reads back the same.
    _same(loan_codec.loads(loan_codec.dumps(read)), read)
    for loan in (_everything(), *_book_states(20, 30)):
        _same(loan_codec.loads(loan.model_dump_json().encode()), loan)


def test_a_compact_value_of_this_version_keeps_reading() -> None:
    """Written by this version: later versions must read it (the format is frozen at 2)."""
    stored = (
        b'[2,"L1","D1","****0001","personal-loan","CNY",[[1,"2026-01-18","1933.25","101.75",'
        b'"0","0","1933.25","101.75","0","0"]],"2035",[],null,null,[],"active",1,false,'
        b'["pre:1:courtesy-3d"],null,2,{"loans":824},["e1"],true,"310115",null]'
    )
    expected = Loan(
        loan_id="L1",
        debtor_id="D1",
        account_masked="****0001",
        product="personal-loan",
        currency="CNY",
        instalments=(
            Instalment(
                number=1,
                due_date=date(2026, 1, 18),
                principal=Decimal("1933.25"),
                interest=Decimal("101.75"),
                paid_principal=Decimal("1933.25"),
                paid_interest=Decimal("101.75"),
            ),
        ),
        paid_total=Decimal("2035"),
        episode=1,
        fired=frozenset({"pre:1:courtesy-3d"}),
        partition=2,
        applied={"loans": 824},
        recent_ids=("e1",),
        requests_withdrawn=True,
        region="310115",
    )
    _same(loan_codec.loads(stored), expected)
    assert loan_codec.dumps(expected) == stored
    assert orjson.loads(stored)[0] == loan_codec.VERSION


def test_a_field_added_at_the_end_reads_here_and_is_left_out_by_earlier_readers() -> None:
    """Version 2 with the day the loan was last judged as of at its end: this version reads it;
    an earlier one reads the 23 fields it knows (its reader never looks past them)."""
    earlier = (
        b'[2,"L1","D1","****0001","personal-loan","CNY",[[1,"2026-01-18","1933.25","101.75",'
        b'"0","0","0","0","0","0"]],"0",[],null,null,[],"active",1,true,'
        b'[],"early",2,{"loans":824},["e1"],false,"310115",null'
    )
    read = loan_codec.loads(earlier + b',"2026-02-03"]')
    assert read.evaluated_on == date(2026, 2, 3)
    assert loan_codec.dumps(read) == earlier + b',"2026-02-03"]'
    before = loan_codec.loads(earlier + b"]")
    assert before.evaluated_on is None
    assert before == read.model_copy(update={"evaluated_on": None})
    assert loan_codec.dumps(before) == earlier + b"]"


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown version 3"):
        loan_codec.loads(b'[3,"L1"]')
    with pytest.raises(ValueError, match="unknown version None"):
        loan_codec.loads(b'"L1"')
    with pytest.raises(ValidationError):
        loan_codec.loads(b'{"loan_id": "L1"}')


def test_a_value_parsed_before_it_reaches_the_store_reads_the_same() -> None:
    for loan in (_everything(), *_book_states(20, 30)):
        _same(loan_codec.parsed(orjson.loads(loan_codec.dumps(loan))), loan)
        _same(loan_codec.parsed(orjson.loads(loan.model_dump_json())), loan)
        assert loan_codec.parsed(loan) is loan
    with pytest.raises(ValueError, match="unknown version 1"):
        loan_codec.parsed([1, "L1"])
