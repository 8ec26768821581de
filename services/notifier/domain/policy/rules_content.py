"""Content rules applied to the rendered text: required elements, banned content, PII, length."""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from services.notifier.domain.policy.content import (
    normalise_legible,
    sms_segments,
    squeeze,
    squeeze_normalised,
)
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.rules import (
    ContentBannedRule,
    ContentRequiredRule,
    LengthRule,
    PiiRule,
    RecipientRule,
)
from services.notifier.domain.policy.scenario import Outcome, RuleResult, Scenario


@dataclass(frozen=True)
class _Text:
    raw: str
    legible: str  # NFKC: what the borrower reads
    folded: str  # normalised for matching evasions
    squeezed: str  # normalised, without spaces or punctuation between characters
    figures: str  # legible, figures without thousands separators (what amounts match in)


#: A pack's banned terms as the check reads them: the same few hundred constants on every
#: decision, so each is normalised once (``squeeze`` is pure: the decision is the same).
squeezed_term = lru_cache(maxsize=16_384)(squeeze)


#: Recent texts' content results, per pack: the content rules read the text, the channel, the
#: recipient's role, the expected values and the attestation alone, never the clock, so a send
#: judged again at the clock of its call (or a deferral) reuses its first judgement.
_RECENT: OrderedDict[tuple[object, ...], tuple[Pack, tuple[RuleResult, ...]]] = OrderedDict()
_RECENT_KEPT = 4096


def content_results(pack: Pack, scenario: Scenario) -> Iterable[RuleResult]:
    """Every content rule of ``pack`` that the scenario's text breaks (none without a text)."""
    if scenario.text is None:
        return ()
    key = (
        id(pack),
        scenario.text,
        scenario.channel,
        scenario.recipient.role,
        tuple(sorted(scenario.expected.items())),
        scenario.attested,
    )
    found = _RECENT.get(key)
    if found is not None and found[0] is pack:  # (the pack held here: its id is not reused)
        _RECENT.move_to_end(key)
        return found[1]
    results = tuple(_content_results(pack, scenario, scenario.text))
    _RECENT[key] = (pack, results)
    if len(_RECENT) > _RECENT_KEPT:
        _RECENT.popitem(last=False)
    return results


def _content_results(pack: Pack, scenario: Scenario, raw: str) -> Iterable[RuleResult]:
    legible = unicodedata.normalize("NFKC", raw)
    folded = normalise_legible(legible)  # normalise(raw), its NFKC done once
    text = _Text(raw, legible, folded, squeeze_normalised(folded), _ungrouped(legible))
    for recipient in pack.of_type(RecipientRule):
        yield from _third_party(pack, recipient, scenario, text)
    for required in pack.of_type(ContentRequiredRule):
        yield from _required(pack, required, scenario, text)
    for banned in pack.of_type(ContentBannedRule):
        yield from _banned(pack, banned, scenario, text)
    for pii in pack.of_type(PiiRule):
        for name, pattern in pii.patterns.items():
            if pack.compiled[pattern].search(text.legible):
                yield RuleResult(pii.id, Outcome.BLOCK, f"unmasked {name}")
    for length in pack.of_type(LengthRule):
        segments = sms_segments(text.raw)
        if scenario.channel == length.channel and segments > length.max_segments:
            reason = f"{segments} SMS segments, at most {length.max_segments}"
            yield RuleResult(length.id, Outcome.BLOCK, reason)


def _third_party(
    pack: Pack, rule: RecipientRule, scenario: Scenario, text: _Text
) -> Iterable[RuleResult]:
    if scenario.recipient.role in rule.allowed_roles:
        return
    if any(pack.compiled[p].search(text.folded) for p in rule.debt_fact_patterns):
        yield RuleResult(rule.id, Outcome.BLOCK, "debt facts in a message to a third party")


def _required(
    pack: Pack, rule: ContentRequiredRule, scenario: Scenario, text: _Text
) -> Iterable[RuleResult]:
    if scenario.channel not in rule.channels or scenario.recipient.role not in rule.roles:
        return
    for name, element in rule.elements.items():
        if not any(pack.compiled[p].search(text.legible) for p in element.patterns):
            yield RuleResult(rule.id, Outcome.BLOCK, f"required element missing: {name}")
            continue
        value = scenario.expected.get(element.expected or "")
        if value is not None and _ungrouped(value) not in text.figures:
            yield RuleResult(rule.id, Outcome.BLOCK, f"{name} does not match the debt")


_GROUPING = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def _ungrouped(text: str) -> str:
    """Figures without thousands separators: 1,250.00 and 1250.00 (WeChat's typed amount
    field takes no separators) state the same amount."""
    return _GROUPING.sub("", text)


@dataclass(frozen=True)
class _Terms:
    """A banned rule's terms as the check reads them, and one expression that finds any."""

    rule: ContentBannedRule
    terms: tuple[tuple[str, str, str], ...]  # category, term, the term squeezed
    any: re.Pattern[str] | None


#: Each banned rule's terms, prepared once (by the rule's id; the rule held: its id is not
#: reused while it is kept).
_PREPARED: dict[int, _Terms] = {}


def _prepared(rule: ContentBannedRule) -> _Terms:
    found = _PREPARED.get(id(rule))
    if found is not None and found.rule is rule:
        return found
    terms = tuple(
        (category, term, wanted)
        for category, listed in rule.terms.items()
        for term in listed
        if (wanted := squeezed_term(term))
    )
    longest = sorted({w for _, _, w in terms}, key=len, reverse=True)
    found = _Terms(rule, terms, re.compile("|".join(map(re.escape, longest))) if terms else None)
    if len(_PREPARED) < 1024:
        _PREPARED[id(rule)] = found
    return found


def _banned(
    pack: Pack, rule: ContentBannedRule, scenario: Scenario, text: _Text
) -> Iterable[RuleResult]:
    prepared = _prepared(rule)
    # One pass finds whether any term is in the text (most texts have none); only then is
    # each term looked for, in the rule's order, as before.
    if prepared.any is not None and prepared.any.search(text.squeezed):
        for category, term, wanted in prepared.terms:
            if wanted not in text.squeezed:
                continue
            if term not in rule.attestation_terms:
                yield RuleResult(rule.id, Outcome.BLOCK, f"banned {category}: '{term}'")
            elif not scenario.attested:
                yield RuleResult(rule.id, Outcome.ESCALATE, f"legal reference '{term}' unattested")
    for category, patterns in rule.patterns.items():
        if any(pack.compiled[p].search(text.folded) for p in patterns):
            yield RuleResult(rule.id, Outcome.BLOCK, f"banned {category}")
