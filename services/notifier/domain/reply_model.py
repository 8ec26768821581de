"""A second opinion where the cues find nothing (pure): a multinomial naive Bayes over a reply's
characters (one to three in a row, so Chinese needs no word splitting) and English words,
learnt from the reply corpus shipped with the notifier (``config/replies/corpus.tsv``, every
line a reply and the intent a person read in it) the first time it is asked.

Its word is taken only when it is sure (:data:`SURE`) and only for an intent that puts
the reply before a person anyway (a dispute, a complaint, a wrong party, a request: each opens
an agent's task). It never decides an opt-out, a stop to calls, a promise or an
acknowledgement, which change what Dunwell does without a person: those stay with the cues.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, cast

from services.notifier.domain.reply_lexicon import readable
from shared.events import ReplyIntent

CORPUS: Final = Path(__file__).resolve().parents[1] / "config" / "replies" / "corpus.tsv"
#: The model's word is taken at this probability or above.
SURE: Final = 0.95
#: A character counts in up to three overlapping runs, so the features are far from independent:
#: each is given a third of its weight (else the model is sure of everything).
_OVERLAP: Final = 3
#: What the model may decide: intents that open a person's task.
MAY_DECIDE: Final[frozenset[str]] = frozenset(
    {"complaint", "wrong_party", "dispute", "already_paid", "reschedule"}
    | {"instalment_request", "extension_request"}
)
_SMOOTHING: Final = 0.3
_WORD: Final = re.compile(r"[a-z']+")
_HAN: Final = re.compile(r"[\u4e00-\u9fff]")


def features(text: str) -> list[str]:
    """A reply's features: English words, and runs of one (Chinese only) to three characters."""
    found = [f"w:{word}" for word in _WORD.findall(text)]
    padded = f"^{text}$"
    for n in (1, 2, 3):
        for i in range(len(padded) - n + 1):
            gram = padded[i : i + n]
            if gram.strip() and (n > 1 or _HAN.match(gram)):
                found.append(f"{n}:{gram}")
    return found


@dataclass(frozen=True)
class Model:
    """Counts learnt from labelled replies."""

    replies: Counter[str]
    counts: dict[str, Counter[str]]
    totals: dict[str, int]
    vocabulary: int

    @classmethod
    def learn(cls, examples: list[tuple[str, str]]) -> Model:
        """A model of ``examples``: (intent, readable reply) pairs."""
        replies = Counter(intent for intent, _ in examples)
        counts: dict[str, Counter[str]] = {intent: Counter() for intent in replies}
        for intent, text in examples:
            counts[intent].update(features(text))
        vocabulary = len(set().union(*counts.values())) if counts else 0
        totals = {intent: sum(c.values()) for intent, c in counts.items()}
        return cls(replies, counts, totals, vocabulary)

    def probabilities(self, text: str) -> dict[str, float]:
        """Each intent's probability for a readable reply."""
        seen = features(text)
        everyone = sum(self.replies.values())
        scores = {}
        for intent, count in self.replies.items():
            denominator = self.totals[intent] + _SMOOTHING * self.vocabulary
            likelihood = sum(
                math.log((self.counts[intent][feature] + _SMOOTHING) / denominator)
                for feature in seen
            )
            scores[intent] = math.log(count / everyone) + likelihood / _OVERLAP
        top = max(scores.values(), default=0.0)
        weights = {intent: math.exp(s - top) for intent, s in scores.items()}
        whole = sum(weights.values()) or 1.0
        return {intent: w / whole for intent, w in weights.items()}

    def opinion(self, text: str) -> tuple[ReplyIntent, float] | None:
        """The intent the model is sure of, among those it may decide; None otherwise."""
        ranked = sorted(self.probabilities(text).items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][0] not in MAY_DECIDE or ranked[0][1] < SURE:
            return None
        return cast(ReplyIntent, ranked[0][0]), ranked[0][1]


def examples(path: Path) -> list[tuple[str, str]]:
    """The (intent, readable reply) pairs of a corpus file (intent, amount, date, text)."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            intent, _, _, text = line.split("\t")
            found.append((intent, readable(text)))
    return found


@cache
def shipped() -> Model:
    """The model of the shipped corpus, learnt once."""
    return Model.learn(examples(CORPUS))
