"""The desk's static API tokens for component tests: who holds each, and the header each sends."""

from __future__ import annotations

from typing import Final

from services.desk.settings import ApiToken

#: By person: an agent of the collections team, one of the field team, a supervisor, a
#: compliance officer.
TOKENS: Final = {
    "agent-7": ApiToken(token="agent-7-secret", role="agent", team="collections"),
    "agent-3": ApiToken(token="agent-3-secret", role="agent", team="field"),
    "sup-1": ApiToken(token="sup-secret", role="supervisor"),
    "co-1": ApiToken(token="co-secret", role="compliance"),
}


def header(person: str) -> dict[str, str]:
    """The Authorization header ``person`` sends."""
    return {"Authorization": f"Bearer {TOKENS[person].token.get_secret_value()}"}


AGENT, FIELD = header("agent-7"), header("agent-3")
SUPERVISOR, COMPLIANCE = header("sup-1"), header("co-1")
