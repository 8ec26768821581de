"""The console's own use cases: a person signed in by an authorization code, a call asked of
the pre-call gate and reported against its reservation, the compliance reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from services.desk.domain.access import Person, check_case, check_reports
from services.desk.domain.calls import CallAsk, CallReport, GateAnswer
from services.desk.domain.identity import id_token_person
from services.desk.domain.model import Case
from services.desk.domain.reports import DEFAULT_CAPS, Cap, Report, build_report
from services.desk.domain.session import SignInState
from services.desk.domain.tasks import TransitionRefused
from services.desk.handlers.context import DeskContext
from services.desk.handlers.reads import CaseNotFound
from services.desk.ports import CallGate, CodeExchange
from shared.identity import InvalidCredentials, KeySet, TokenRules, key_id

#: The most contacts (and actions) one report reads; a longer period is refused.
REPORT_ROWS: Final = 200_000
MAX_REPORT_DAYS: Final = 92


@dataclass(frozen=True)
class ConsoleSignIn:
    """The identity provider as the console signs people in with it."""

    exchange: CodeExchange
    keys: KeySet
    rules: TokenRules


async def person_of_code(
    sign_in: ConsoleSignIn, code: str, redirect_uri: str, state: SignInState
) -> Person:
    """The person an authorization code stands for: the provider's ID token for it, verified
    (its key, signature, issuer, this client as audience, expiry, this sign-in's nonce).

    :raises InvalidCredentials: the code or its token does not hold.
    :raises NotAllowed: a valid person without a desk role.
    """
    token = await sign_in.exchange.id_token(code, redirect_uri, state.verifier)
    key = await sign_in.keys.key(key_id(token))
    if key is None:
        raise InvalidCredentials("the ID token's signing key is not the identity provider's")
    return id_token_person(token, key, sign_in.rules, state.nonce)


async def case_for_call(loan_id: str, person: Person, ctx: DeskContext) -> Case:
    """The case an agent would call about, if they may see it."""
    case = await ctx.store.case(loan_id)
    if case is None:
        raise CaseNotFound("no such loan")
    check_case(person, await ctx.store.tasks_of_loan(loan_id))
    if case.terminal is not None:
        raise TransitionRefused(f"the loan is {case.terminal.replace('_', ' ')}")
    return case


@dataclass(frozen=True)
class Dial:
    """What an agent asks the gate for (the number passes through, never kept)."""

    key: str
    number: str
    purpose: str
    sender: str


async def ask_gate(
    gate: CallGate, loan_id: str, dial: Dial, person: Person, ctx: DeskContext
) -> GateAnswer:
    """The gate's answer for the agent's dial about the loan's borrower."""
    case = await case_for_call(loan_id, person, ctx)
    ask = CallAsk.model_validate(
        {
            "idempotency_key": dial.key,
            "debtor_id": case.debtor_id,
            "debt_id": case.loan_id,
            "number": dial.number,
            "sender": dial.sender,
            "agent_id": person.id,
            "purpose": dial.purpose,
        }
    )
    return await gate.ask(ask)


async def report_call(
    gate: CallGate, loan_id: str, call_id: str, report: CallReport, person: Person, ctx: DeskContext
) -> bool:
    """The call's outcome against its reservation, under the agent's own id."""
    case = await case_for_call(loan_id, person, ctx)
    currency = case.currency or (case.statement.currency if case.statement else None)
    dispositions = tuple(
        d.model_copy(update={"currency": currency}) if d.amount is not None else d
        for d in report.dispositions
    )
    return await gate.report(
        call_id, report.model_copy(update={"agent_id": person.id, "dispositions": dispositions})
    )


def period_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a period of local days covers (``end`` included).

    :raises TransitionRefused: an end before the start, or a period too long to read.
    """
    if end < start:
        raise TransitionRefused("the period ends before it starts")
    if (end - start).days >= MAX_REPORT_DAYS:
        raise TransitionRefused(f"a report covers at most {MAX_REPORT_DAYS} days")
    first = datetime.combine(start, time(0), tzinfo=zone)
    return first, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)


def caps_of(overrides: Mapping[str, int]) -> tuple[Cap, ...]:
    """The default caps, with the bank's own figures where it set them."""
    return tuple(
        Cap(c.name, c.kinds, c.channels, overrides[c.name], "settings")
        if c.name in overrides
        else c
        for c in DEFAULT_CAPS
    )


async def compliance_report(
    person: Person, start: date, end: date, caps: tuple[Cap, ...], ctx: DeskContext
) -> Report:
    """Every report over the local days ``start`` to ``end``."""
    check_reports(person)
    zone = ZoneInfo(ctx.calendar.time_zone)
    first, after = period_bounds(start, end, zone)
    contacts = await ctx.store.contacts_between(first, after, REPORT_ROWS)
    actions = await ctx.store.actions_between(first, after, REPORT_ROWS)
    report = build_report(
        contacts,
        actions,
        caps=caps,
        period=(start, end),
        today=ctx.calendar.business_date(ctx.clock()),
        zone=zone,
    )
    return replace(report, truncated=REPORT_ROWS in (len(contacts), len(actions)))
