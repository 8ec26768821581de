"""The desk's OpenAPI 3.1 document: queues, tasks and their actions, case views, agents'
actions; request bodies from the same pydantic models the routes validate with."""

from __future__ import annotations

from typing import Any, Final, get_args

from aiohttp import web
from pydantic import BaseModel

from services.desk.domain.commands import ActionRequest
from services.desk.domain.review import DecisionRequest
from services.desk.domain.visits import OutcomeBody, RescheduleBody
from shared.events import ReviewQueue

_ERROR: Final = {"description": "Refused, with the reason"}
_ID: Final = {"type": "string", "pattern": r"^[\w.:|\-]{1,128}$"}
_REFUSALS: Final = {
    "400": _ERROR,
    "401": {"description": "No valid credentials"},
    "403": {"description": "Not this person's (another team's, or no desk role)"},
    "404": {"description": "Unknown task or case"},
}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": model.model_json_schema()}},
    }


def _get(summary: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": list(params),
            "responses": {"200": {"description": "Found"}, **_REFUSALS},
        }
    }


def _post(summary: str, param: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [_path(param)],
        "responses": {
            "200": {"description": "Done (or a repeat)"},
            "201": {"description": "Taken"},
            "409": {"description": "Refused in this state, or changed meanwhile"},
            "422": _ERROR,
            **_REFUSALS,
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return {"post": operation}


def document(
    assign: type[BaseModel], done: type[BaseModel], resolve: type[BaseModel]
) -> dict[str, Any]:
    """The document, given the routes' body models."""
    limit = {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dunwell desk", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/queues/{team}": _get(
                "A team's live tasks, the earliest due first", _path("team"), limit
            ),
            "/v1/teams": _get("Live and overdue tasks per team"),
            "/v1/me/tasks": _get("The caller's own live tasks, the earliest due first", limit),
            "/v1/tasks/{task_id}": _get("One task", _path("task_id")),
            "/v1/tasks/{task_id}/assign": _post(
                "Move to a team or an agent", "task_id", _body(assign)
            ),
            "/v1/tasks/{task_id}/start": _post("Start working on it", "task_id"),
            "/v1/tasks/{task_id}/done": _post("Done, with its outcome", "task_id", _body(done)),
            "/v1/cases/{loan_id}": _get("The case view of a loan", _path("loan_id")),
            "/v1/cases/{loan_id}/actions": _post(
                "An agent's action, sent to the scheduler", "loan_id", _body(ActionRequest)
            ),
            "/v1/cases/{loan_id}/evidence": _get(
                "The loan's entries in the evidence log, read under the caller's own identity",
                _path("loan_id"),
            ),
            "/v1/borrowers/{debtor_id}/cases": _get(
                "The case views of a borrower's loans", _path("debtor_id")
            ),
            **review_paths(),
            **_register(resolve, limit),
            **visit_paths(),
        },
    }


def review_paths() -> dict[str, Any]:
    """The review queues' routes (``entrypoints/review_api.py``)."""
    limit = {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    queues = {"type": "string", "enum": list(get_args(ReviewQueue))}
    name = {"name": "queue", "in": "path", "required": True, "schema": queues}
    return {
        "/v1/reviews": _get("The review queues the caller decides, with their sizes"),
        "/v1/reviews/{queue}": _get("A review queue's open items, the oldest first", name, limit),
        "/v1/reviews/items/{item_id}": _get("One review item", _path("item_id")),
        "/v1/reviews/items/{item_id}/decision": _post(
            "A person's decision on a send, sent to the notifier", "item_id", _body(DecisionRequest)
        ),
    }


def _register(resolve: type[BaseModel], limit: dict[str, Any]) -> dict[str, Any]:
    """The dispute register's paths."""
    status = {"name": "status", "in": "query", "schema": {"enum": ["open", "resolved"]}}
    return {
        "/v1/disputes": _get("The register, the earliest answer due first", status, limit),
        "/v1/disputes/{dispute_id}": _get("One dispute or complaint", _path("dispute_id")),
        "/v1/disputes/{dispute_id}/resolve": _post(
            "Resolve it (a supervisor): collection resumes", "dispute_id", _body(resolve)
        ),
    }


def visit_paths() -> dict[str, Any]:
    """The field visits' routes (``entrypoints/visits_api.py``)."""
    documents = _get("A visit's printable documents (HTML; zh-CN, ?lang=en)", _path("visit_id"))
    documents["get"]["parameters"].append(
        {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh-CN", "en"]}}
    )
    return {
        "/v1/cases/{loan_id}/visits": _get("A loan's field visits", _path("loan_id")),
        "/v1/visits/{visit_id}": _get(
            "One visit: slot, place, state (proposed, confirmed, undelivered, cancelled, done)",
            _path("visit_id"),
        ),
        "/v1/visits/{visit_id}/documents": documents,
        "/v1/visits/{visit_id}/outcome": _post(
            "The field agent's outcome, to the evidence log once", "visit_id", _body(OutcomeBody)
        ),
        "/v1/visits/{visit_id}/reschedule": _post(
            "A new slot asked for (the scheduler proposes it and its notice)",
            "visit_id",
            _body(RescheduleBody),
        ),
    }


def openapi_route(spec: dict[str, Any]) -> web.RouteDef:
    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(spec)

    return web.get("/openapi.json", openapi)
