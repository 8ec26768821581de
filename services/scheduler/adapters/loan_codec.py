"""The loan Table's bytes: a loan as a compact, versioned array; the earlier JSON still read.

A stored value is ``[2, loan_id, debtor_id, …]``: the fields of :class:`Loan` in a fixed order,
amounts as Decimal strings (exact), dates in ISO form, an instalment as one array of its fields;
a field added later goes at the end, written only once set (``evaluated_on``): earlier versions
read such a value and leave out what they do not know, this one reads theirs with it unset.
It is about a third of the model's JSON (no field names), and it is read back without pydantic's
validation: every value in it was written by :func:`dumps` from a validated :class:`Loan`, so
each field is rebuilt as the type the model holds (``Decimal``, ``date``, ``frozenset``, …) and
the models are made with their fields as given (the equivalent of ``model_construct`` with every
field, without its per-field bookkeeping; a test holds each state equal to the validated one).

Values written before this format (the model's JSON: an object, starting ``{``) are validated
as they always were, so a Table stored by an earlier version survives the upgrade; a version
this code does not know is refused (``ValueError``), never guessed at.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import orjson

from services.scheduler.domain.loan import (
    BookedVisit,
    Instalment,
    Loan,
    OpenDispute,
    Pause,
    Promise,
)
from services.scheduler.domain.state import built

VERSION: Final = 2
_ZERO: Final = Decimal(0)
_day = date.fromisoformat


def dumps(loan: Loan) -> bytes:
    """The compact form of ``loan`` (deterministic: equal loans, equal bytes)."""
    fields = [
        VERSION,
        loan.loan_id,
        loan.debtor_id,
        loan.account_masked,
        loan.product,
        loan.currency,
        [_instalment(i) for i in loan.instalments],
        str(loan.paid_total),
        [[p.start, p.end] for p in loan.pauses],
        _promise(loan.promise),
        loan.hold_until,
        [[d.dispute_id, d.category, d.opened_on] for d in loan.disputes],
        loan.status,
        loan.episode,
        loan.in_episode,
        sorted(loan.fired),
        loan.range_id,
        loan.partition,
        loan.applied,
        loan.recent_ids,
        loan.requests_withdrawn,
        loan.region,
        _visit(loan.visit),
    ]
    # Fields added to version 2 later, at its end, each only once set: a loan without them
    # is the bytes it always was, and a version that knows fewer reads what it knows.
    if loan.evaluated_on is not None:
        fields.append(loan.evaluated_on)
    return orjson.dumps(fields)


def loads(value: bytes) -> Loan:
    """The loan ``value`` holds, in either form.

    :raises ValueError: a compact value of a version this code does not read.
    :raises pydantic.ValidationError: an earlier JSON value that is not a loan.
    """
    if value[:1] == b"{":
        return Loan.model_validate_json(value)
    return _checked(orjson.loads(value))


def stored(value: bytes) -> StoredLoan | Loan:
    """``value`` read only as far as the sweep's shortcut asks: a compact value as a
    :class:`StoredLoan` (its whole loan on demand), an earlier JSON one as its loan.

    :raises ValueError: a compact value of a version this code does not read.
    """
    if value[:1] == b"{":
        return Loan.model_validate_json(value)
    fields = orjson.loads(value)
    _checked_version(fields)
    return StoredLoan(fields)


class StoredLoan:
    """A compact value as the sweep's shortcut reads it (``decisions.SweepView``): the few
    fields it asks for, each instalment's due date and outstanding sum worked out from the
    stored strings when asked (the same Decimal sums, in the same order, as the model's);
    :meth:`loan` rebuilds the whole loan."""

    __slots__ = ("_f",)

    def __init__(self, fields: list[Any]) -> None:
        self._f = fields

    @property
    def status(self) -> str:
        return str(self._f[12])

    @property
    def debtor_id(self) -> str | None:
        return self._f[2]  # type: ignore[no-any-return]

    @property
    def in_episode(self) -> bool:
        return bool(self._f[14])

    @property
    def promise(self) -> object:
        return self._f[9]

    @property
    def disputes(self) -> list[Any]:
        return self._f[11]  # type: ignore[no-any-return]

    @property
    def instalments(self) -> tuple[StoredDue, ...]:
        return tuple(StoredDue(i) for i in self._f[6])

    def loan(self) -> Loan:
        return _loan(self._f)


class StoredDue:
    """One stored instalment as the sweep's shortcut reads it."""

    __slots__ = ("_f", "due_date")

    def __init__(self, fields: list[Any]) -> None:
        self._f = fields
        self.due_date = _day(fields[1])

    @property
    def outstanding(self) -> Decimal:
        f = self._f
        return (
            _amount(f[2])
            + _amount(f[3])
            + _amount(f[4])
            + _amount(f[5])
            - _amount(f[6])
            - _amount(f[7])
            - _amount(f[8])
            - _amount(f[9])
        )


def parsed(value: Any) -> Loan:
    """The loan a stored value holds once parsed as JSON (either form): faust's recovery of a
    memory Table hands over the changelog's values parsed, not through the Table's codec."""
    if isinstance(value, Loan):
        return value
    if isinstance(value, dict):
        return Loan.model_validate(value)
    return _checked(value)


def _checked(fields: Any) -> Loan:
    _checked_version(fields)
    return _loan(fields)


def _checked_version(fields: Any) -> None:
    if not isinstance(fields, list) or not fields or fields[0] != VERSION:
        version = fields[0] if isinstance(fields, list) and fields else None
        raise ValueError(f"a loan state of unknown version {version!r}")


def _instalment(i: Instalment) -> list[Any]:
    return [
        i.number,
        i.due_date,
        str(i.principal),
        str(i.interest),
        str(i.fees),
        str(i.penalties),
        str(i.paid_principal),
        str(i.paid_interest),
        str(i.paid_fees),
        str(i.paid_penalties),
    ]


def _promise(p: Promise | None) -> list[Any] | None:
    return None if p is None else [str(p.amount), p.by, str(p.paid_before)]


def _visit(v: BookedVisit | None) -> list[Any] | None:
    return None if v is None else [v.visit_id, v.sequence, v.starts_at, v.branch_id]


def _loan(f: list[Any]) -> Loan:
    return built(
        Loan,
        {
            "loan_id": f[1],
            "debtor_id": f[2],
            "account_masked": f[3],
            "product": f[4],
            "currency": f[5],
            "instalments": tuple(_instalment_of(i) for i in f[6]),
            "paid_total": _amount(f[7]),
            "pauses": tuple(
                built(Pause, {"start": _day(s), "end": None if e is None else _day(e)})
                for s, e in f[8]
            ),
            "promise": None if f[9] is None else _promise_of(f[9]),
            "hold_until": None if f[10] is None else _day(f[10]),
            "disputes": tuple(
                built(OpenDispute, {"dispute_id": i, "category": c, "opened_on": _day(o)})
                for i, c, o in f[11]
            ),
            "status": f[12],
            "episode": f[13],
            "in_episode": f[14],
            "fired": frozenset(f[15]),
            "range_id": f[16],
            "partition": f[17],
            "applied": f[18],
            "recent_ids": tuple(f[19]),
            "requests_withdrawn": f[20],
            "region": f[21],
            "visit": None if f[22] is None else _visit_of(f[22]),
            "evaluated_on": _day(f[23]) if len(f) > 23 else None,
        },
    )


def _instalment_of(f: list[Any]) -> Instalment:
    return built(
        Instalment,
        {
            "number": f[0],
            "due_date": _day(f[1]),
            "principal": _amount(f[2]),
            "interest": _amount(f[3]),
            "fees": _amount(f[4]),
            "penalties": _amount(f[5]),
            "paid_principal": _amount(f[6]),
            "paid_interest": _amount(f[7]),
            "paid_fees": _amount(f[8]),
            "paid_penalties": _amount(f[9]),
        },
    )


def _promise_of(f: list[Any]) -> Promise:
    return built(Promise, {"amount": _amount(f[0]), "by": _day(f[1]), "paid_before": _amount(f[2])})


def _visit_of(f: list[Any]) -> BookedVisit:
    return built(
        BookedVisit,
        {
            "visit_id": f[0],
            "sequence": f[1],
            "starts_at": datetime.fromisoformat(f[2]),
            "branch_id": f[3],
        },
    )


def _amount(text: str) -> Decimal:
    # Most parts of most instalments are nothing owed or nothing paid: one shared zero.
    return _ZERO if text == "0" else Decimal(text)
