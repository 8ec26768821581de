"""The console's words in zh-CN (the default) and English: one catalogue, every key in both.

Templates say ``t("key")``; a key missing from the catalogue is an error, never the key shown
to an agent. Values of the desk's own vocabularies (task kinds, statuses, actions, channels,
contact kinds, outcomes) are looked up as ``<vocabulary>.<value>`` and fall back to the value
itself only for a value the catalogue does not know (a kind a newer scheduler sends).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from services.desk.domain.i18n_actions import EN_ACTIONS, ZH_ACTIONS
from services.desk.domain.i18n_en import EN
from services.desk.domain.i18n_evidence import EN_EVIDENCE, ZH_EVIDENCE
from services.desk.domain.i18n_gate import GATED_KINDS, chinese_gate_reason
from services.desk.domain.i18n_reasons import chinese_reason
from services.desk.domain.i18n_zh import ZH

Lang = Literal["zh-CN", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh-CN", "en")
DEFAULT_LANG: Final[Lang] = "zh-CN"
CATALOGUES: Final[Mapping[Lang, Mapping[str, str]]] = {
    "zh-CN": {**ZH, **ZH_ACTIONS, **ZH_EVIDENCE},
    "en": {**EN, **EN_ACTIONS, **EN_EVIDENCE},
}


class UnknownKey(KeyError):
    """A template asked for a word the catalogue does not have."""


def lang_of(asked: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """The language to show: asked in the query, else remembered, else the browser's first
    known preference, else zh-CN."""
    for choice in (asked, cookie):
        if choice in LANGS:
            return choice
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANG


@dataclass(frozen=True)
class Words:
    """One language's words, as templates call them."""

    lang: Lang

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = CATALOGUES[self.lang][key]
        except KeyError:
            raise UnknownKey(key) from None
        return text.format(**values) if values else text

    def of(self, vocabulary: str, value: object) -> str:
        """A vocabulary value's word (the value itself if the catalogue does not know it)."""
        if value is None:
            return ""
        return CATALOGUES[self.lang].get(f"{vocabulary}.{value}", str(value))

    def reason(self, reason: str) -> str:
        """A refusal's reason in this language; in zh-CN an unknown one is left out (empty)
        rather than shown in English."""
        if self.lang == "en":
            return reason
        return chinese_reason(reason, self.of) or ""

    def gate_reason(self, reason: str | None, rules: Iterable[str] = ()) -> str:
        """The compliance gate's reasons in this language; in zh-CN one the table does not
        know is shown as its rule (``规则 CN-TIME-1``), never in English."""
        if self.lang == "en" or not reason:
            return reason or ""
        return chinese_gate_reason(reason, rules)

    def contact_reason(self, kind: str, reason: str | None, rules: Iterable[str] = ()) -> str:
        """A contact's detail: the gate's reasons for a send it stopped or a dial it refused,
        any other detail as it was recorded."""
        return self.gate_reason(reason, rules) if kind in GATED_KINDS else reason or ""
