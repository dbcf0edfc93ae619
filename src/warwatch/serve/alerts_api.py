"""The alerts' HTTP side: ``/api/alerts`` to manage them, ``/alerts/<token>.atom`` for their feeds.

Managing alerts (listing them too: a webhook URL may carry a key of its own) needs the ingest token,
checked by the very dependency that guards ``POST /api/ingest`` (same failed-attempt lock-out): a
server started without ``--allow-ingest`` has no token, and answers 403. Webhook secrets are write-only:
handed out once, in the answer that created them, and never again. The Atom feeds need no token: their
unguessable path is the key, so that any feed reader can follow one.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from warwatch.alerts import Alert, Watch, add_alert, atom_feed, list_alerts, remove_alert, update_alert
from warwatch.alerts.fire import BASE_URL_ENV
from warwatch.alerts.model import MAX_NAME
from warwatch.errors import InputError
from warwatch.store import Store

router = APIRouter()
_bearer = HTTPBearer(auto_error=False, description="the token the server was started with (as for ingest)")
#: a feed token as :func:`warwatch.alerts.model.new_feed_token` makes them (URL-safe base64)
FEED_TOKEN = r"^[A-Za-z0-9_-]{16,128}$"


def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
                  ) -> None:
    """The ingest token's check (``create_app`` puts it on ``app.state.authorised``), or 403 without one."""
    check = getattr(request.app.state, "authorised", None)
    if check is None:
        raise HTTPException(403, "alerts are managed through the API only on a server started with --allow-ingest "
                                 "and a token (or with `warwatch alerts` on the command line)")
    check(request, credentials)


def _store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(_store)]
Names = Annotated[list[str], Field(max_length=50)]


class AlertFilters(BaseModel):
    """An alert's filters, named as ``GET /api/events`` names them."""

    model_config = ConfigDict(extra="forbid")
    where: str | None = Field(None, max_length=200,
                              description="a place, district, province or country under any spelling")
    bbox: str | None = Field(None, max_length=200, description="west,south,east,north in degrees")
    event_type: Names = Field(default_factory=list, description="ACLED event or sub-event types (any of them)")
    min_fatalities: int | None = Field(None, ge=0, le=1_000_000_000)
    actor: Names = Field(default_factory=list, description="parts of actor names (any of them)")
    grade: Names = Field(default_factory=list, description="single_source, corroborated, contested (any of them)")

    def watch(self) -> Watch:
        return Watch.checked(where=self.where, bbox=self.bbox, event_type=self.event_type,
                             min_fatalities=self.min_fatalities, actor=self.actor, grade=self.grade)


class AlertIn(AlertFilters):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    webhook: str | None = Field(None, max_length=2000, description="URL each notification is POSTed to, signed")
    secret: str | None = Field(None, max_length=200, description="whsec_ + base64; default: a new one, returned once")
    email: Names = Field(default_factory=list, description="addresses to e-mail")


class AlertPatch(BaseModel):
    """What to change; a field left out stays as it is (``webhook: null`` removes the webhook)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=MAX_NAME)
    filters: AlertFilters | None = None
    webhook: str | None = Field(None, max_length=2000)
    secret: str | None = Field(None, max_length=200)
    email: Names | None = None


class AlertOut(BaseModel):
    id: int
    name: str
    filters: dict[str, Any]
    describe: str
    webhook_url: str | None
    has_secret: bool
    emails: list[str]
    feed: str = Field(description="the public Atom feed's path (unguessable: share it with care)")
    created_at: datetime | None
    updated_at: datetime | None


class AlertCreated(AlertOut):
    secret: str | None = Field(None, description="the webhook's new secret: in this answer only, never again")


def _out(alert: Alert) -> dict[str, Any]:
    out = alert.public()
    for key in ("created_at", "updated_at"):
        out[key] = out[key].replace(tzinfo=UTC) if out[key] is not None else None
    return out


def _input(error: InputError) -> HTTPException:
    return HTTPException(422, str(error))


AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "No token"}, 403: {"description": "Wrong token, or "
                                         "a server without one"}, 429: {"description": "Too many wrong tokens"}}


@router.get("/api/alerts", response_model=list[AlertOut], tags=["alerts"], responses=AUTH,
            dependencies=[Depends(require_token)])
def get_alerts(store: StoreDep) -> list[dict[str, Any]]:
    """Every alert with its filters and channels (never a secret); needs the ingest token."""
    return [_out(a) for a in list_alerts(store)]


@router.post("/api/alerts", response_model=AlertCreated, status_code=201, tags=["alerts"],
             responses={**AUTH, 422: {"description": "A bad filter, URL, address or secret"}},
             dependencies=[Depends(require_token)])
def post_alert(body: AlertIn, store: StoreDep) -> dict[str, Any]:
    """Add an alert; the answer holds the webhook's secret, the only time it is ever returned."""
    try:
        created = add_alert(store, body.name, body.watch(), webhook=body.webhook, secret=body.secret,
                            emails=body.email)
    except InputError as error:
        raise _input(error) from None
    return {**_out(created.alert), "secret": created.secret}


AlertId = Annotated[int, PathParam(ge=1, le=2**62)]


@router.patch("/api/alerts/{alert_id}", response_model=AlertCreated, tags=["alerts"],
              responses={**AUTH, 404: {"description": "No such alert"}}, dependencies=[Depends(require_token)])
def patch_alert(alert_id: AlertId, body: AlertPatch, store: StoreDep) -> dict[str, Any]:
    """Change an alert. ``secret`` is returned only when giving it a webhook made a new one."""
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    if "webhook" in given:
        changes["webhook"] = body.webhook
    if "email" in given:
        changes["emails"] = body.email or []
    try:
        watch = body.filters.watch() if body.filters is not None else None
        changed = update_alert(store, alert_id, name=body.name, watch=watch, secret=body.secret, **changes)
    except InputError as error:
        raise HTTPException(404 if str(error).startswith("no alert") else 422, str(error)) from None
    return {**_out(changed.alert), "secret": changed.secret}


@router.delete("/api/alerts/{alert_id}", status_code=204, tags=["alerts"],
               responses={**AUTH, 404: {"description": "No such alert"}}, dependencies=[Depends(require_token)])
def delete_alert(alert_id: AlertId, store: StoreDep) -> Response:
    """Remove an alert with its feed and pending deliveries."""
    try:
        remove_alert(store, alert_id)
    except InputError as error:
        raise HTTPException(404, str(error)) from None
    return Response(status_code=204)


@router.get("/alerts/{token}.atom", response_class=Response, tags=["alerts"],
            responses={200: {"content": {"application/atom+xml": {}}}, 404: {"description": "No such feed"}})
async def alert_feed(token: Annotated[str, PathParam(pattern=FEED_TOKEN)], request: Request) -> Response:
    """An alert's notifications as an Atom feed, newest first (no token: the path is the key)."""
    # behind a proxy the server's own address is not the readers': $WARWATCH_PUBLIC_URL says theirs
    base = (os.environ.get(BASE_URL_ENV) or str(request.base_url)).rstrip("/")
    document = await run_in_threadpool(atom_feed, request.app.state.store, token, base)
    if document is None:
        raise HTTPException(404, "no such feed")
    # not cached by proxies: the path is a secret of its reader's
    return Response(document, media_type="application/atom+xml; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=60"})
