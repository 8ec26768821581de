"""The base of the scheduler's state models: frozen pydantic models, copied and rebuilt cheaply.

The planner copies a loan (or an instalment) with a change several times per event and the daily
sweep for every loan it changes; pydantic's ``model_copy`` goes through ``copy.copy`` for the
model's dict and its set of fields (about a fifth of a loan event's planning). :meth:`model_copy`
here does the same thing directly: the same fields, the update applied unvalidated (as
pydantic's does), the same fields-set. :func:`built` makes a model from values the scheduler
itself wrote (its own stored state), as ``model_construct`` with every field given does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict

_M = TypeVar("_M", bound="State")
_new = object.__new__
_set = object.__setattr__


class State(BaseModel):
    """A frozen model of the scheduler's state (no extra fields, no private attributes)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """This model with ``update``'s fields replaced, unvalidated (``BaseModel.model_copy``)."""
        if deep:
            return super().model_copy(update=update, deep=True)
        copied = _new(type(self))
        if update:
            _set(copied, "__dict__", {**self.__dict__, **update})
            _set(copied, "__pydantic_fields_set__", self.__pydantic_fields_set__ | update.keys())
        else:
            _set(copied, "__dict__", dict(self.__dict__))
            _set(copied, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        _set(copied, "__pydantic_extra__", None)
        _set(copied, "__pydantic_private__", None)
        return copied


def built(model: type[_M], values: dict[str, Any]) -> _M:
    """``model`` holding ``values`` (every field, each already of the type the model holds),
    unvalidated: for state the scheduler wrote itself."""
    made = _new(model)
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", set(values))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made
