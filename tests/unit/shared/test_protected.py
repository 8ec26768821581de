"""Protected attributes named in snake_case or camelCase, dropped at any depth and counted."""

from __future__ import annotations

import pytest

from shared.protected import has_protected, is_protected, strip_protected


@pytest.mark.parametrize(
    "key", ["gender", "Gender", "dateOfBirth", "date_of_birth", "age", "ageBand", "maritalStatus"]
)
def test_protected_names(key: str) -> None:
    assert is_protected(key)


@pytest.mark.parametrize(
    "key", ["agency", "agent_id", "page", "usage", "mobileNo", "clientType", "displayName"]
)
def test_ordinary_names(key: str) -> None:
    assert not is_protected(key)


def test_dropped_at_any_depth_and_counted() -> None:
    document = {"gender": "F", "loan": {"age": 40, "amount": 1}, "list": [{"occupation": "x"}]}
    assert strip_protected(document) == ({"loan": {"amount": 1}, "list": [{}]}, 3)


@pytest.mark.parametrize(
    "document",
    [
        {"gender": "F"},
        {"loan": {"age": 40}},
        {"list": [1, {"inner": [{"dateOfBirth": "1980-01-01"}]}]},
        [{"occupation": "x"}],
        {"loan": {"amount": 1}, "list": [{}], "tags": ["gender"]},  # a value, not a key
        {"agency": "a", "agent_id": 1},
        "gender",
        [],
    ],
)
def test_has_protected_agrees_with_what_strip_protected_drops(document: object) -> None:
    assert has_protected(document) == (strip_protected(document)[1] > 0)
