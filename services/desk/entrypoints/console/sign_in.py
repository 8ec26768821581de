"""The console's sign-in: the OIDC authorization-code flow (with PKCE) at the bank's identity
provider, the session cookie it ends with, and sign-out."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from aiohttp import web

from services.desk.domain.session import BadSession, Session, SignInState, safe_next
from services.desk.entrypoints.console.web import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    SESSION,
    SESSION_COOKIE,
    console_key,
    now_s,
    page,
    posted,
    render,
    session_of,
    set_cookie,
)
from services.desk.handlers.console import person_of_code
from services.desk.metrics import CONSOLE_SIGN_INS
from shared.identity import InvalidCredentials

log = logging.getLogger(__name__)


def _redirect_uri(request: web.Request) -> str:
    configured = request.app[console_key].redirect_url
    return configured or f"{request.scheme}://{request.host}/console/callback"


@page
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """``GET /console/sign-in``: the button that goes to the identity provider."""
    console = request.app[console_key]
    return render(
        request,
        "sign_in.html",
        available=console.sign_in is not None and console.authorize_url is not None,
        next=safe_next(request.query.get("next")),
        signed_out="signed_out" in request.query,
    )


@page
async def start(request: web.Request) -> web.StreamResponse:
    """``GET /console/sign-in/start``: to the provider's authorization endpoint, with a fresh
    state, nonce and PKCE challenge remembered in a signed cookie."""
    console = request.app[console_key]
    if console.authorize_url is None:
        raise web.HTTPSeeOther("/console/sign-in")
    state = SignInState.fresh(request.query.get("next", ""), now_s())
    query = {
        "response_type": "code",
        "client_id": console.client_id,
        "redirect_uri": _redirect_uri(request),
        "scope": "openid",
        "state": state.state,
        "nonce": state.nonce,
        "code_challenge": state.challenge,
        "code_challenge_method": "S256",
    }
    response = web.HTTPSeeOther(f"{console.authorize_url}?{urlencode(query)}")
    set_cookie(response, console, LOGIN_COOKIE, state.cookie(console.secret))
    raise response


@page
async def callback(request: web.Request) -> web.StreamResponse:
    """``GET /console/callback?code&state``: the provider sends the browser back; the code
    becomes the person (their ID token verified), the person a session."""
    console = request.app[console_key]
    if console.sign_in is None:
        raise InvalidCredentials("no identity provider is configured")
    if "error" in request.query:
        CONSOLE_SIGN_INS.labels("refused").inc()
        raise InvalidCredentials(f"the identity provider refused: {request.query['error'][:80]}")
    try:
        state = SignInState.read(
            request.cookies.get(LOGIN_COOKIE), console.secret, request.query.get("state"), now_s()
        )
    except BadSession as e:  # shown here: sending the browser to sign in again would loop
        CONSOLE_SIGN_INS.labels("refused").inc()
        raise InvalidCredentials(str(e)) from None
    code = request.query.get("code", "")
    person = await person_of_code(console.sign_in, code, _redirect_uri(request), state)
    session = Session.start(person, now_s())
    request[SESSION] = session
    response = web.HTTPSeeOther(state.next)
    set_cookie(response, console, SESSION_COOKIE, session.cookie(console.secret))
    response.del_cookie(LOGIN_COOKIE, path="/console")
    CONSOLE_SIGN_INS.labels("in").inc()
    log.info("console sign-in", extra={"person": person.id, "role": person.role})
    raise response


@page
async def sign_out(request: web.Request) -> web.StreamResponse:
    """``POST /console/sign-out``: the session cookie is gone."""
    await posted(request)
    request.pop(SESSION, None)
    response = web.HTTPSeeOther("/console/sign-in?signed_out=1")
    response.del_cookie(SESSION_COOKIE, path="/console")
    CONSOLE_SIGN_INS.labels("out").inc()
    raise response


@page
async def switch_language(request: web.Request) -> web.StreamResponse:
    """``GET /console/lang/{lang}?next=``: remember the language, go back."""
    lang = request.match_info["lang"]
    response = web.HTTPSeeOther(safe_next(request.query.get("next")))
    if lang in ("zh-CN", "en"):
        console = request.app[console_key]
        response.set_cookie(
            LANG_COOKIE, lang, path="/console", secure=console.secure, samesite="Lax"
        )
    raise response


@page
async def home(request: web.Request) -> web.StreamResponse:
    """``GET /console``: my tasks when signed in, else the sign-in page."""
    session_of(request)
    raise web.HTTPSeeOther("/console/tasks")
