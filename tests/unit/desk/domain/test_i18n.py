"""The console's words: every key in both languages, every template's key in the catalogue,
every value of the desk's vocabularies translated, the language chosen as asked."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from services.desk.domain import calls, disputes, model, visits
from services.desk.domain.i18n import CATALOGUES, UnknownKey, Words, lang_of
from shared import case_events, dunwell_events, eventbase, visit_events

ZH, EN = CATALOGUES["zh-CN"], CATALOGUES["en"]  # every catalogue part merged

TEMPLATES = Path(__file__).resolve().parents[4] / "services" / "desk" / "templates"
#: The vocabularies templates look up with ``t.of(vocabulary, value)``, and their values.
VOCABULARIES = {
    "kind": dunwell_events.TaskKind,
    "case_action": dunwell_events.CaseAction,
    "contact_kind": dunwell_events.InteractionKind,
    "channel": eventbase.ContactChannel,
    "status": model.TaskStatus,
    "outcome": model.Outcome,
    "close": model.CloseReason,
    "promise_state": model.PromiseState,
    "call_status": calls.CallStatus,
    "purpose": calls.CallPurpose,
    "visit_state": visits.VisitState,
    "visit_outcome": visit_events.VisitOutcome,
    "dispute_category": case_events.DisputeCategory,
    "resolution": case_events.DisputeResolution,
    "dispute_status": disputes.DisputeStatus,
}


def test_both_catalogues_have_the_same_keys() -> None:
    assert sorted(set(ZH) ^ set(EN)) == []


def test_every_chinese_word_is_chinese_and_differs_from_the_english() -> None:
    same = [k for k in ZH if ZH[k] == EN[k]]
    assert same == []
    latin_only = [k for k, v in ZH.items() if not re.search(r"[\u4e00-\u9fff]", v)]
    assert latin_only == []


def test_placeholders_are_the_same_in_both() -> None:
    def names(text: str) -> set[str]:
        return set(re.findall(r"\{(\w+)\}", text))

    assert [k for k in ZH if names(ZH[k]) != names(EN[k])] == []


def test_every_key_a_template_names_is_in_the_catalogue() -> None:
    named = set()
    for template in TEMPLATES.glob("*.html"):
        named |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']\s*[,)]""", template.read_text()))
    assert named, "no template names a key"
    # Keys built from a value: the error page's status codes and the people's roles.
    built = {f"error.{code}" for code in (401, 403, 404, 409, 422, 502)}
    built |= {f"role.{role}" for role in ("agent", "supervisor", "compliance")}
    built |= {"case.task_done", "case.task_started"}
    named |= built
    assert sorted(named - set(ZH)) == []


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_every_value_of_the_vocabularies_is_translated(vocabulary: str) -> None:
    values = typing.get_args(VOCABULARIES[vocabulary])
    missing = [v for v in values if f"{vocabulary}.{v}" not in ZH]
    assert missing == []


def test_a_missing_key_is_an_error_never_the_key_shown() -> None:
    with pytest.raises(UnknownKey):
        Words("zh-CN")("no.such.key")
    assert Words("en")("queue.title", team="field") == "Team queue: field"
    assert Words("zh-CN").of("kind", "dispute") == "异议"
    assert Words("zh-CN").of("kind", "a_new_kind") == "a_new_kind"
    assert set(CATALOGUES) == {"zh-CN", "en"}


@pytest.mark.parametrize(
    ("asked", "cookie", "accept", "chosen"),
    [
        (None, None, None, "zh-CN"),
        ("en", "zh-CN", "zh-CN", "en"),
        (None, "en", "zh-CN", "en"),
        (None, None, "en-GB,en;q=0.8", "en"),
        (None, None, "fr-FR, zh-TW;q=0.5", "zh-CN"),
        ("de", "xx", "fr", "zh-CN"),
    ],
)
def test_the_language_is_asked_remembered_preferred_or_chinese(
    asked: str | None, cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert lang_of(asked, cookie, accept) == chosen
