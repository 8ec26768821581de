"""``/v1/calls``: the pre-call gate a dialler or agent asks before each dial, and the call's
outcome reported against it. Bearer-authenticated like ``/v1/contacts`` (a person's JWT: the
agent id must be theirs); idempotent by the caller's key (asks) and by the call (outcomes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.notifier.domain.calls import CallAsk, CallRecord, CallReport
from services.notifier.domain.policy.scenario import Outcome
from services.notifier.entrypoints.sign_in import SignIn, caller, check_agent
from services.notifier.handlers.calls import (
    CallConflict,
    CallContext,
    CallUnknown,
    ask_to_call,
    report_call,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class CallsApi:
    ctx: CallContext
    sign_in: SignIn


CALLS: Final = web.AppKey("calls", CallsApi)


def _error(status: type[web.HTTPException], why: str) -> web.HTTPException:
    return status(text=json.dumps({"error": why}), content_type="application/json")


async def _body(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(await request.read())
    except ValidationError as e:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in e.errors()[:5]
        )
        raise _error(web.HTTPBadRequest, where) from e


def answer(record: CallRecord) -> dict[str, Any]:
    """The gate's answer as the caller reads it (never the number)."""
    decision = record.decision
    reserved = decision.outcome is Outcome.ALLOW
    return {
        "call_id": record.call_id,
        "state": record.state,
        **decision.public(),
        "reservation": (
            {
                "id": record.call_id,
                "expires_at": record.expires_at.isoformat() if record.expires_at else None,
            }
            if reserved
            else None
        ),
    }


async def ask(request: web.Request) -> web.Response:
    api = request.app[CALLS]
    who = await caller(request, api.sign_in)
    body = await _body(request, CallAsk)
    check_agent(who, body.agent_id)
    try:
        record, new = await ask_to_call(api.ctx, body)
    except CallConflict as e:
        raise _error(web.HTTPConflict, str(e)) from e
    return web.json_response(answer(record), status=201 if new else 200)


async def outcome(request: web.Request) -> web.Response:
    api = request.app[CALLS]
    who = await caller(request, api.sign_in)
    body = await _body(request, CallReport)
    check_agent(who, body.agent_id)
    try:
        record, new = await report_call(api.ctx, request.match_info["call_id"], body)
    except CallUnknown as e:
        raise _error(web.HTTPNotFound, "no call has this id") from e
    except CallConflict as e:
        raise _error(web.HTTPConflict, str(e)) from e
    return web.json_response(
        {"call_id": record.call_id, "state": record.state, "recorded": new},
        status=201 if new else 200,
    )


def call_routes() -> list[web.RouteDef]:
    return [web.post("/v1/calls", ask), web.post("/v1/calls/{call_id}/outcome", outcome)]
