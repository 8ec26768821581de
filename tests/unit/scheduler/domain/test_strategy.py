"""Strategy files: validated at load with clear errors; the fairness firewall."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from services.scheduler.domain.strategy import Facts, StrategyError, load_strategy
from tests.unit.scheduler.support import STRATEGY_FILE

GOOD = yaml.safe_load(STRATEGY_FILE.read_text())


def variant(**changes: object) -> str:
    return yaml.safe_dump({**GOOD, **changes})


def test_the_shipped_strategy_loads() -> None:
    strategy = load_strategy(STRATEGY_FILE.read_text())
    assert [r.id for r in strategy.ranges] == ["early", "middle", "late", "severe"]
    assert strategy.range_for(0) is None
    assert strategy.range_for(30).id == "early"  # type: ignore[union-attr]
    assert strategy.range_for(31).id == "middle"  # type: ignore[union-attr]
    assert strategy.range_for(10_000).id == "severe"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([{"id": "a", "min_days": 1, "max_days": 30}, {"id": "b", "min_days": 30}], "overlap"),
        ([{"id": "a", "min_days": 1}, {"id": "b", "min_days": 31, "max_days": 60}], "open-ended"),
        ([{"id": "a", "min_days": 10, "max_days": 5}], "ends before it starts"),
        ([{"id": "a", "min_days": 1, "max_days": 5}, {"id": "a", "min_days": 6}], "share an id"),
        ([{"id": "a", "min_days": 0}], "greater than or equal to 1"),
    ],
)
def test_ranges_follow_fineracts_rules(ranges: list[dict[str, object]], message: str) -> None:
    with pytest.raises(StrategyError, match=message):
        load_strategy(variant(ranges=ranges, rules=[], field_visit=None))


def test_a_rule_on_an_unknown_range_is_refused() -> None:
    rules = [
        {
            "id": "r",
            "range": "nowhere",
            "steps": [{"id": "s", "at_days": 1, "template": "t", "channels": ["sms"]}],
        }
    ]
    with pytest.raises(StrategyError, match="unknown range nowhere"):
        load_strategy(variant(rules=rules))


def test_an_unknown_field_is_refused_with_its_path() -> None:
    rules = [
        {
            "id": "r",
            "range": "early",
            "escalate_to": "court",
            "steps": [{"id": "s", "at_days": 1, "template": "t", "channels": ["sms"]}],
        }
    ]
    with pytest.raises(StrategyError, match=r"rules\.0\.escalate_to"):
        load_strategy(variant(rules=rules))


def test_a_channel_that_does_not_exist_is_refused() -> None:
    rules = [
        {
            "id": "r",
            "range": "early",
            "steps": [{"id": "s", "at_days": 1, "template": "t", "channels": ["loudspeaker"]}],
        }
    ]
    with pytest.raises(StrategyError, match="channels"):
        load_strategy(variant(rules=rules))


def test_broken_yaml_is_refused() -> None:
    with pytest.raises(StrategyError, match="not valid YAML"):
        load_strategy("version: [unclosed")


class TestFairnessFirewall:
    @pytest.mark.parametrize(
        ("where", "attribute"),
        [
            ({"when": {"gender": "F"}}, "gender"),
            ({"amount_band": {"min": 0}, "segment": "age_band_60_plus"}, "age"),
            ({"products": ["occupation:farmer"]}, "occupation"),
            ({"note": "Ethnicity-based routing"}, "Ethnicity"),
            ({"products": ["date_of_birth"]}, "birth"),
        ],
    )
    def test_a_strategy_naming_a_protected_attribute_is_refused(
        self, where: dict[str, object], attribute: str
    ) -> None:
        rule = {
            "id": "r",
            "range": "early",
            **where,
            "steps": [{"id": "s", "at_days": 1, "template": "t", "channels": ["sms"]}],
        }
        with pytest.raises(StrategyError, match=f"protected attribute '{attribute}'"):
            load_strategy(variant(rules=[rule]))

    def test_words_that_merely_contain_a_protected_word_are_fine(self) -> None:
        text = variant(version="agency-stage-average-engage")
        assert load_strategy(text).version == "agency-stage-average-engage"

    def test_the_facts_a_strategy_sees_have_no_personal_attributes(self) -> None:
        assert set(Facts.model_fields) == {
            "days_past_due",
            "range_id",
            "overdue_amount",
            "outstanding_balance",
            "product",
            "currency",
        }
        with pytest.raises(ValueError, match="gender"):
            Facts(
                days_past_due=1,
                range_id="early",
                overdue_amount=Decimal(1),
                outstanding_balance=Decimal(1),
                product="p",
                currency="CNY",
                gender="F",
            )  # type: ignore[call-arg]
