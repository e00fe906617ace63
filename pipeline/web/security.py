"""What keeps the app local and its data its own, in front of every request.

* Bound to 127.0.0.1 (the default) the app answers only requests addressed to the loopback
  names, so a web page elsewhere cannot reach it through DNS rebinding.
* Bound to any other address it needs the token printed at start on every request: as
  `?token=` (the printed link; it is then kept in a cookie for this site only), the cookie, or
  an `Authorization: Bearer` header. Without it: 401, nothing else.
* A form posted from another site (its Origin is not this app) is refused: 403.
* A request body larger than the upload limit is refused while it streams in: 413.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "remiss_token"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class BodyTooLarge(Exception):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES


class Guard:
    """ASGI middleware: host, token, origin and body-size checks (see the module docstring)."""

    def __init__(self, app: ASGIApp, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await _too_large(scope, receive, send)
            return
        await self._limited(scope, receive, send, self._with_cookie(scope, send))

    def _refusal(self, scope: Scope, headers: Headers) -> PlainTextResponse | None:
        if self.token is None and not is_loopback(urlsplit("//" + headers.get("host", "")).hostname or ""):
            return PlainTextResponse("Appen svarar bara på 127.0.0.1 (localhost).", status_code=421)
        if self.token is not None and not self._has_token(scope, headers):
            return PlainTextResponse("Token saknas eller är fel: öppna länken som skrevs ut när appen startades.",
                                     status_code=401)
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD") and origin and urlsplit(origin).netloc != headers.get("host"):
            return PlainTextResponse("Förfrågan kom från en annan webbplats och avvisades.", status_code=403)
        return None

    def _has_token(self, scope: Scope, headers: Headers) -> bool:
        assert self.token is not None
        offered = [*parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])]
        cookies = headers.get("cookie", "")
        offered += [part.split("=", 1)[1] for part in cookies.split("; ") if part.startswith(f"{COOKIE}=")]
        authorization = headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            offered.append(authorization.removeprefix("Bearer "))
        return any(secrets.compare_digest(o.encode(), self.token.encode()) for o in offered)

    def _with_cookie(self, scope: Scope, send: Send) -> Send:
        """Keep a token that came in the link in a cookie, so the pages' own links carry it."""
        if self.token is None or b"token=" not in scope.get("query_string", b""):
            return send

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        return sending

    async def _limited(self, scope: Scope, receive: Receive, send: Send, sending: Send) -> None:
        received = 0
        started = False

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await sending(message)

        try:
            await self.app(scope, counting, tracking)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("Uppladdningen är för stor.", status_code=413)(scope, receive, send)
