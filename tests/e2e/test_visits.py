"""A field visit on the real broker, every service running: proposed by the scheduler, its
notice delivered in Chinese by SMS (the provider's receipt confirms it at the desk), moved by
the borrower's Chinese reply, and cancelled by a cure; the desk's API shows each step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.loanbook import sandbox_mobile
from sandbox.stack import morning_of
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack
from tests.support.visit_flow import (
    CLOCK_DAY,
    cure,
    late_loan,
    states,
    texts_to,
    visits,
)

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir: Path = tmp_path_factory.mktemp("visits")
    with provider_stack(broker, workdir, "vis", morning_of(CLOCK_DAY)) as stack:
        yield stack


@pytest.mark.timeout(420)  # the whole system starts within it
async def test_a_visit_proposed_delivered_in_chinese_moved_by_a_reply_and_cancelled_by_a_cure(
    system: ProviderStack,
) -> None:
    run, n = system.kafka.topic_namespace, 917
    loan, debtor = f"{run}-L1", f"{run}-D1"
    await late_loan(system, loan, debtor, n)

    async def confirmed() -> bool:
        return states(await visits(system, loan)) == [(1, "confirmed")]

    await eventually(confirmed, timeout_s=180)
    [first] = await visits(system, loan)
    [notice] = [t for t in texts_to(system, n) if "面谈" in t]
    assert "示例银行上海浦东支行" in notice
    assert "09:30-10:30" in notice
    await system.reply(sandbox_mobile(n), "那天不在家，能改天来吗")

    async def moved() -> bool:
        # the new slot is proposed, or confirmed already if its notice was delivered meanwhile
        found = states(await visits(system, loan))
        return found in ([(1, "cancelled"), (2, "proposed")], [(1, "cancelled"), (2, "confirmed")])

    await eventually(moved, timeout_s=120)
    old, new = await visits(system, loan)
    assert old["cancel_reason"] == "rescheduled"
    assert new["replaces"] == first["visit_id"]
    assert new["slot"]["starts_at"] > first["slot"]["starts_at"]
    await cure(system, loan, debtor)

    async def called_off() -> bool:
        return states(await visits(system, loan)) == [(1, "cancelled"), (2, "cancelled")]

    await eventually(called_off, timeout_s=120)
    _, last = await visits(system, loan)
    assert last["cancel_reason"] == "cured"
    assert last["cancel_notice_id"] is not None
