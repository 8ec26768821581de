"""``POST /v1/contacts``: contacts made by other senders (the dialler, agencies) count against
the same caps as the notifier's own messages ("每日合计": every sender together)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from services.notifier.domain.policy.scenario import Contact, GateChannel, HistoryKind
from services.notifier.entrypoints.sign_in import SignIn, caller
from services.notifier.ports import NotifierStore
from shared.eventbase import Identifier


class ContactReport(BaseModel):
    """One contact another sender made with a debtor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str = Field(min_length=1, max_length=200)
    debtor_id: Identifier
    debt_id: Identifier
    channel: GateChannel
    kind: HistoryKind
    sender: str = Field(min_length=1, max_length=64)
    at: AwareDatetime


@dataclass(frozen=True)
class ContactsApi:
    store: NotifierStore
    sign_in: SignIn


CONTACTS: Final = web.AppKey("contacts", ContactsApi)


def _error(status: type[web.HTTPException], why: str) -> web.HTTPException:
    return status(text=json.dumps({"error": why}), content_type="application/json")


async def record_contact(request: web.Request) -> web.Response:
    api = request.app[CONTACTS]
    await caller(request, api.sign_in)
    try:
        report = ContactReport.model_validate_json(await request.read())
    except ValidationError as e:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in e.errors()[:5]
        )
        raise _error(web.HTTPBadRequest, where) from e
    contact = Contact(
        at=report.at,
        channel=report.channel,
        kind=report.kind,
        sender=report.sender,
        debt_id=report.debt_id,
    )
    key = f"{report.sender}:{report.contact_id}"
    new = await api.store.record_contact(report.debtor_id, contact, key=key)
    return web.json_response({"recorded": new}, status=201 if new else 200)


def contact_routes() -> list[web.RouteDef]:
    return [web.post("/v1/contacts", record_contact)]
