"""Personal attributes no collection decision may depend on, and the boundary that drops them.

Equal treatment: contact and escalation never depend on gender, age, occupation, ethnicity and the
like. Core systems send such fields anyway (Fineract's clients carry ``gender`` and
``dateOfBirth``): every boundary drops them before validation, and strategies that name them are
refused at load. Keys are matched as words, in snake_case and camelCase alike.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

#: Attributes no collection decision may depend on (equal treatment; CBA-2026, ECOA/Reg B).
PROTECTED: Final = (
    "gender",
    "sex",
    "age",
    r"birth\w*",
    "dob",
    "occupation",
    "job",
    "profession",
    "employer",
    r"ethnic\w*",
    "race",
    "nationality",
    r"religio\w*",
    "marital",
    r"pregnan\w*",
    r"disab\w*",
    "health",
    "political",
    "union",
    "orientation",
    "education",
    "hukou",
    "household_registration",
)
# Whole words (an underscore separates words: "age_band" is refused, "agency" is not).
PROTECTED_PATTERN: Final = re.compile(
    r"(?<![a-z])(" + "|".join(PROTECTED) + r")(?![a-z])", re.IGNORECASE
)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@lru_cache(maxsize=4096)
def is_protected(key: str) -> bool:
    """Whether a field name names a protected attribute (``gender``, ``date_of_birth``,
    ``dateOfBirth``); ``agency`` or ``agent_id`` do not."""
    return PROTECTED_PATTERN.search(_CAMEL.sub("_", key)) is not None


def strip_protected(document: Any) -> tuple[Any, int]:
    """The document without any key that names a protected attribute (at any depth), and how
    many keys were dropped."""
    if isinstance(document, dict):
        protected = _protected_among(tuple(document))
        kept, dropped = {}, len(protected)
        for key, value in document.items():
            if key in protected:
                continue
            if isinstance(value, (dict, list)):  # a tuple: no union object built per key
                value, inner = strip_protected(value)
                dropped += inner
            kept[key] = value
        return kept, dropped
    if isinstance(document, list):
        items = [strip_protected(item) for item in document]
        return [item for item, _ in items], sum(n for _, n in items)
    return document, 0


def has_protected(document: Any) -> bool:
    """Whether any key of the document, at any depth, names a protected attribute: the
    common answer (no) without building the copy :func:`strip_protected` makes."""
    if isinstance(document, dict):
        if _protected_among(tuple(document)):
            return True
        for value in document.values():
            if isinstance(value, (dict, list)) and has_protected(value):
                return True
    elif isinstance(document, list):
        for item in document:
            if isinstance(item, (dict, list)) and has_protected(item):
                return True
    return False


@lru_cache(maxsize=4096)
def _protected_among(keys: tuple[Any, ...]) -> frozenset[Any]:
    """The keys of a document's object that name protected attributes (records of one kind
    share their keys: judged once per set of keys)."""
    return frozenset(key for key in keys if is_protected(str(key)))
