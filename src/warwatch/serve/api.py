"""The REST API and the web dashboard: ``create_app(db_path, ...)`` builds the FastAPI app that
``warwatch serve`` runs under Uvicorn.

Read-only unless built with ``allow_ingest=True`` and a token: then, and only then, ``POST
/api/ingest`` exists, and it wants ``Authorization: Bearer <token>``. Every error is JSON with a
``message``; a bad filter value is a 422, never a 500. Pages are static shells whose own scripts
fetch the API and build the DOM with ``textContent`` only: article text is untrusted.
"""

from __future__ import annotations

import io
import json
import secrets
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from warwatch.errors import StoreError
from warwatch.serve import api_models as m
from warwatch.serve import live, security
from warwatch.serve.alerts_api import router as alerts_router
from warwatch.serve.export import event_json, export_acled, export_geojson
from warwatch.serve.sources import router as sources_router
from warwatch.store import EventRecord, Store, acled
from warwatch.store.query import (
    COUNT_CAP,
    POINT_FIELDS,
    SORT_KEYS,
    EventQuery,
    daily_counts,
    facets,
    fetch_article,
    fetch_event,
    has_grade,
    map_points,
    parse_bbox,
    record_grade,
    resolve_event,
    search_events,
)

WEB = Path(__file__).resolve().parent / "web"
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = "© OpenStreetMap contributors"
BOUNDARIES = m.Layer(url="/static/boundaries/SY_admin1.geojson",
                     attribution="Boundaries: Who's On First (CC0), incl. GeoNames (CC BY 4.0), Quattroshapes (CC BY)")
#: seconds an ingest request waits for another ingest into the same database before a 503
INGEST_WAIT = 30.0
#: an ingest request larger than this is refused (413): send big batches in several requests
MAX_INGEST_BYTES = 20 * 1024 * 1024
SORT_PATTERN = "^-?(" + "|".join(SORT_KEYS) + ")$"
NUMBER = r"\s*-?\d+(?:\.\d+)?\s*"
BBOX_PATTERN = f"^{NUMBER}(?:,{NUMBER}){{3}}$"

#: what a value that does not match a parameter's pattern should have looked like
PATTERN_HELP = {"bbox": "must be four numbers in degrees: west,south,east,north",
                "sort": f"must be one of {', '.join(SORT_KEYS)}, with \"-\" in front for descending"}
ERRORS: dict[int | str, dict[str, Any]] = {422: {"description": "A parameter is invalid"},
                                           503: {"model": m.ErrorOut, "description": "The database cannot be read"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {**ERRORS, 404: {"model": m.ErrorOut, "description": "No such item"}}


def _invalid(name: str, message: str) -> RequestValidationError:
    """A 422 about one query parameter, shaped like FastAPI's own validation errors."""
    return RequestValidationError([{"loc": ("query", name), "msg": message, "type": "value_error"}])


def event_filters(
    since: Annotated[date | None, Query(description="first event date, inclusive (YYYY-MM-DD)")] = None,
    until: Annotated[date | None, Query(description="last event date, inclusive (YYYY-MM-DD)")] = None,
    bbox: Annotated[str | None, Query(pattern=BBOX_PATTERN, description="west,south,east,north in degrees")] = None,
    admin1: Annotated[list[str] | None, Query(description="first-level region(s), any case")] = None,
    event_type: Annotated[list[str] | None, Query(description="ACLED event type(s)")] = None,
    sub_event_type: Annotated[list[str] | None, Query(description="ACLED sub-event type(s)")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="part of an actor's name")] = None,
    min_fatalities: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None,
    grade: Annotated[list[str] | None, Query(description="corroboration grade(s); ignored until graded")] = None,
    country: Annotated[list[str] | None, Query(description="ISO 3166-1 alpha-2 code(s)")] = None,
    located: Annotated[bool | None, Query(description="true: with coordinates only; false: without")] = None,
    undated: Annotated[bool | None, Query(description="true: only events no source dates; false: dated")] = None,
    q: Annotated[str | None, Query(max_length=200, description="free text: places, actors, notes, evidence")] = None,
    where: Annotated[str | None, Query(max_length=200, description="a place, district, province or country under"
                                       " any spelling")] = None,
) -> dict[str, Any]:
    """The filters every event endpoint shares, checked (bad values are 422s)."""
    if since and until and since > until:
        raise _invalid("until", f"until ({until}) is before since ({since})")
    box = None
    if bbox is not None:
        try:
            box = parse_bbox(bbox)
        except ValueError as error:
            raise _invalid("bbox", str(error)) from None
    return {"since": since, "until": until, "bbox": box, "admin1": tuple(admin1 or ()),
            "event_type": tuple(event_type or ()), "sub_event_type": tuple(sub_event_type or ()), "actor": actor,
            "min_fatalities": min_fatalities, "grade": tuple(grade or ()), "country": tuple(country or ()),
            "unlocated": None if located is None else not located, "undated": undated, "text": q,
            "where": where}


Filters = Annotated[dict[str, Any], Depends(event_filters)]
Sort = Annotated[str, Query(pattern=SORT_PATTERN, description="column, \"-\" in front for descending")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def get_count_cap(request: Request) -> int:
    return request.app.state.count_cap


CountCap = Annotated[int, Depends(get_count_cap)]


def event_out(r: EventRecord, grade: str | None) -> dict[str, Any]:
    """The API's view of one event row."""
    country = acled.country(r.country)
    inter2 = acled.inter_code(r.actor2, r.country) if r.actor2 else 0
    # the same rule as the exports' civilian_targeting column: never for a battle, protest or arrest
    targeted = acled.civilian_targeting(r.event_type, r.sub_event_type, r.civilian_targeting, inter2) is not None
    return {
        "event_id": r.event_id_cnty, "event_date": r.event_date, "year": r.event_date.year if r.event_date else None,
        "time_precision": r.time_precision, "event_type": r.event_type, "sub_event_type": r.sub_event_type,
        "actor1": r.actor1, "assoc_actor_1": r.assoc_actor_1, "actor2": r.actor2, "assoc_actor_2": r.assoc_actor_2,
        "civilian_targeting": targeted, "country": country.name if country else r.country,
        "country_code": r.country, "admin1": r.admin1, "admin2": r.admin2, "location": r.location,
        "latitude": r.latitude if r.located else None, "longitude": r.longitude if r.located else None,
        "geo_precision": r.geo_precision, "place_text": r.place_text, "fatalities": r.fatalities,
        "injuries": r.injuries, "weapon": r.weapon, "target": r.target, "actor_attributed": r.actor_attributed,
        "confidence": r.confidence, "grade": grade, "flags": list(getattr(r, "flags", None) or []),
        "fatalities_low": getattr(r, "fatalities_low", None), "fatalities_high": getattr(r, "fatalities_high", None),
        "n_sources": r.n_sources, "n_articles": getattr(r, "n_articles", None), "sources": list(r.sources),
        "copies": list(getattr(r, "copies", None) or []), "notes": r.notes,
    }


def _search(store: Store, query: EventQuery, *, with_total: bool = True,
            cap: int | None = None) -> tuple[int, bool, list[EventRecord], dict]:
    with store.engine.connect() as conn:
        page = search_events(conn, query, with_total=with_total, cap=cap)
        return page.total, page.total_capped, page.records, record_grade(conn, page.records)


def _query(filters: dict[str, Any], **page: Any) -> EventQuery:
    try:
        return EventQuery(**filters, **page)
    except ValueError as error:
        raise _invalid("sort" if "sort" in str(error) else "filters", str(error)) from None


def list_events(filters: Filters, store: StoreDep, cap: CountCap, sort: Sort = "event_date", offset: Offset = 0,
                limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                exact_total: Annotated[bool, Query(description="count every match, however many (slower): by"
                                                   " default the count stops past a cap")] = False) -> dict[str, Any]:
    """Events matching the filters, one page at a time, with the total that match (a lower bound past a cap)."""
    query = _query(filters, sort=sort, offset=offset, limit=limit)
    total, capped, records, grades = _search(store, query, cap=None if exact_total else cap)
    return {"total": total, "total_capped": capped, "offset": offset, "limit": limit, "sort": sort,
            "events": [event_out(r, grades[r.id]) for r in records]}


def list_points(filters: Filters, store: StoreDep,
                sort: Annotated[str, Query(pattern=SORT_PATTERN, description="the order of the points, and so which"
                                           " a limit keeps (-fatalities: the deadliest); default id, the"
                                           " cheapest")] = "id",
                offset: Offset = 0,
                limit: Annotated[int | None, Query(ge=1, le=10_000_000, description="at most this many points"
                                                   " (default: all)")] = None) -> Response:
    """Every located event matching the filters as a compact row (id, coordinates, type, fatalities), for a map."""
    with store.engine.connect() as conn:
        found = map_points(conn, _query(filters, sort=sort, offset=offset, limit=limit))
    body = {"fields": list(POINT_FIELDS), "points": found.points, "truncated": found.truncated,
            "unlocated": found.unlocated, "sort": sort, "offset": offset, "limit": limit}
    # written here, not checked value by value against the model (m.EventPoints, which documents it): for
    # 100,000 points that check and FastAPI's encoding cost more than the query
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


def _export(filters: dict[str, Any], store: Store, sort: str, offset: int, limit: int | None) -> list[EventRecord]:
    return _search(store, _query(filters, sort=sort, offset=offset, limit=limit), with_total=False)[2]


ExportLimit = Annotated[int | None, Query(ge=1, le=10_000_000, description="at most this many (default: all)")]


def events_csv(filters: Filters, store: StoreDep, sort: Sort = "event_date", offset: Offset = 0,
               limit: ExportLimit = None) -> Response:
    """The filtered events as ACLED CSV (ACLED's column names and order)."""
    out = io.StringIO()
    export_acled(store, out, records=_export(filters, store, sort, offset, limit))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="warwatch-events.csv"'})


def events_geojson(filters: Filters, store: StoreDep, sort: Sort = "event_date", offset: Offset = 0,
                   limit: ExportLimit = None) -> Response:
    """The filtered, located events as a GeoJSON FeatureCollection of points."""
    out = io.StringIO()
    export_geojson(store, out, records=_export(filters, store, sort, offset, limit))
    return Response(out.getvalue(), media_type="application/geo+json")


#: event ids are an ISO3 code and a number ("SYR12", "XXX7"): never "points", the map's route
EVENT_ID = r"^[A-Za-z]{0,8}[0-9]{1,12}$"


def get_event(event_id: Annotated[str, PathParam(max_length=64, pattern=EVENT_ID)], store: StoreDep) -> dict[str, Any]:
    """One event with its sources, each source's figures and claims, and the sentences behind them."""
    with store.engine.connect() as conn:
        detail = fetch_event(conn, event_id)
        if detail is None:
            raise HTTPException(404, f"no event with id {event_id!r}")
        grade = record_grade(conn, [detail])[detail.id]
    full = event_json(detail)
    out = event_out(detail, grade)
    out.update({
        "fatality_estimates": full["fatalities"],
        "articles": [{k: a.get(k) for k in ("id", "source", "title", "outlet", "url", "published", "doc_id",
                                            "copy_of")} for a in full["sources"]],
        "evidence": full["evidence"], "denials": full["denials"], "claims": full["claims"],
        "gazetteer_id": detail.gazetteer_id, "ambiguous": detail.ambiguous, "runner_up": detail.runner_up,
        "acled": {k: full[k] for k in ("event_id_cnty", "disorder_type", "inter1", "inter2", "interaction",
                                       "civilian_targeting", "iso", "region", "source", "timestamp")},
        "created_at": _utc(detail.created_at), "updated_at": _utc(detail.updated_at),
    })
    return out


def _utc(moment: datetime | None) -> datetime | None:
    """A stored time (naive, UTC) as an aware one, so that JSON carries its offset (RFC 3339)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def get_article(article_id: Annotated[int, PathParam(ge=1, le=2**62)], store: StoreDep) -> dict[str, Any]:
    """One source article: its text, and the sentences (by offset) that its events rest on."""
    with store.engine.connect() as conn:
        found = fetch_article(conn, article_id)
    if found is None:
        raise HTTPException(404, f"no article with id {article_id}")
    info = found.info
    return {"id": info.id, "source": info.source, "title": info.title, "outlet": info.outlet, "url": info.url,
            "published": info.published, "doc_id": info.doc_id, "ingested_at": _utc(found.ingested_at),
            "text": found.text, "mentions": [vars(x) for x in found.mentions],
            "events": list(dict.fromkeys(x.event_id for x in found.mentions)), "rejected": found.rejected}


def daily_stats(filters: Filters, store: StoreDep) -> dict[str, Any]:
    """Events and fatalities per day, in all and by event type (undated events counted apart)."""
    with store.engine.connect() as conn:
        rows = daily_counts(conn, _query(filters, limit=None))
    days: dict[date, dict[str, Any]] = {}
    undated = {"events": 0, "fatalities": 0}
    for r in rows:
        if r.day is None:
            undated["events"] += r.events
            undated["fatalities"] += r.fatalities
            continue
        day = days.setdefault(r.day, {"date": r.day, "events": 0, "fatalities": 0, "by_type": {}})
        day["events"] += r.events
        day["fatalities"] += r.fatalities
        day["by_type"][r.event_type] = {"events": r.events, "fatalities": r.fatalities}
    total = {"events": sum(r.events for r in rows), "fatalities": sum(r.fatalities for r in rows)}
    return {"event_types": acled.in_order({r.event_type for r in rows}), "days": list(days.values()),
            "undated": undated, "total": total}


def get_facets(store: StoreDep) -> dict[str, Any]:
    """The values each filter can take (with counts) and the range of event dates."""
    with store.engine.connect() as conn:
        found = facets(conn)
    found["types"] = type_tree(found["event_type"], found["sub_event_type"])
    return found


def type_tree(kinds: list[dict[str, Any]], subs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All six ACLED event types in ACLED's order, each with its sub-event types and their counts
    (0 where the database holds none), then any type outside ACLED's list that the database holds.

    The filters list every type, not only those present: an analyst filtering on Riots in a
    database that holds none should see "Riots (0)", not wonder whether the tool knows the type.
    """
    kind_counts = {v["value"]: v["count"] for v in kinds}
    sub_counts = {v["value"]: v["count"] for v in subs}
    tree = [{"value": kind, "count": kind_counts.pop(kind, 0),
             "sub_event_types": [{"value": sub, "count": sub_counts.pop(sub, 0)} for sub in sub_types]}
            for kind, sub_types in acled.taxonomy().items()]
    # a database written by another version may hold other names: list them too, not hide them
    tree += [{"value": kind, "count": n, "sub_event_types": []} for kind, n in kind_counts.items()]
    if sub_counts:
        tree.append({"value": "", "count": 0,
                     "sub_event_types": [{"value": sub, "count": n} for sub, n in sub_counts.items()]})
    return tree


def _error(status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"message": message, "detail": detail if detail is not None else message}
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI, headers: dict[str, str]) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        parts = []
        for e in errors:
            loc = [str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body")]
            name = ".".join(loc) or "request"
            if e.get("type") == "string_pattern_mismatch" and name in PATTERN_HELP:
                e["msg"] = PATTERN_HELP[name]
            parts.append(f"{name}: {e.get('msg', 'invalid')}")
        return _error(422, "; ".join(parts) or "invalid request", [
            {k: e[k] for k in ("loc", "msg", "type") if k in e} for e in errors])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: StoreError) -> JSONResponse:
        return _error(503, str(exc))

    @app.exception_handler(SQLAlchemyError)
    async def _database(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        orig = getattr(exc, "orig", None) or exc
        reason = str(orig).splitlines()[0] if str(orig).strip() else type(orig).__name__
        return _error(503, f"cannot read the database: {reason}")

    # a bug: Starlette answers it outside every middleware, so the headers are set here
    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error ({type(exc).__name__})", headers=headers)


def _install_pages(app: FastAPI) -> None:
    pages = WEB / "templates"

    def page(name: str) -> FileResponse:
        return FileResponse(pages / name, media_type="text/html; charset=utf-8")

    def not_found(what: str) -> HTMLResponse:
        html = (pages / "404.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("{{what}}", what), status_code=404)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return page("index.html")

    @app.get("/events/{event_id}", include_in_schema=False, response_model=None)
    def event_page(event_id: str, request: Request) -> Response:
        # the id is only ever compared in SQL, never echoed into the page
        if len(event_id) > 64:
            return not_found("event")
        with request.app.state.store.engine.connect() as conn:
            if resolve_event(conn, event_id) is None:
                return not_found("event")
        return page("event.html")

    @app.get("/articles/{article_id}", include_in_schema=False, response_model=None)
    def article_page(article_id: str, request: Request) -> Response:
        if not article_id.isdecimal() or not 0 < int(article_id) < 2**62:
            return not_found("article")
        with request.app.state.store.engine.connect() as conn:
            if fetch_article(conn, int(article_id)) is None:
                return not_found("article")
        return page("article.html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return page("docs.html")

    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")


def create_app(db_path: str | Path, *, allow_ingest: bool = False, token: str | None = None,
               tiles: str | None = DEFAULT_TILES, tiles_attribution: str = DEFAULT_TILES_ATTRIBUTION,
               pipeline: Any = None, count_cap: int = COUNT_CAP) -> FastAPI:
    """The warwatch web app over the database at ``db_path``.

    Read-only unless ``allow_ingest`` is set, which requires a ``token`` (ValueError without
    one). ``tiles``: a Leaflet tile URL template (default OpenStreetMap), or None for no tiles
    (the map then draws only the bundled admin boundaries). ``pipeline``: a loaded
    :class:`warwatch.pipeline.Pipeline` for ingest requests (default: loaded on the first one).
    ``count_cap``: ``GET /api/events`` counts matches up to this many, and past it answers a lower
    bound with ``total_capped`` (unless asked for ``exact_total``).
    A read-only app over a database file that does not exist raises StoreError.
    """
    if allow_ingest and not token:
        raise ValueError("allow_ingest needs a token: ingest requests must carry Authorization: Bearer <token>")
    if count_cap < 1:
        raise ValueError("count_cap must be at least 1")
    url_given = isinstance(db_path, str) and "://" in db_path
    if not allow_ingest and not url_given and str(db_path) != ":memory:" and not Path(db_path).is_file():
        raise StoreError(f"no database at {db_path}: run `warwatch ingest` first (this server is read-only)")
    store = Store(db_path)
    tiles = tiles if tiles and tiles.strip().lower() not in ("", "none") else None
    app = FastAPI(title="warwatch", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Conflict events read from news reports, with the evidence behind every field.")
    app.state.store = store
    app.state.db_path = db_path
    app.state.count_cap = count_cap
    headers = security.security_headers(tiles)
    app.add_middleware(security.SecurityHeaders, headers=headers)
    _install_error_handlers(app, headers)
    get = app.get
    get("/api/events", response_model=m.EventList, responses=ERRORS, tags=["events"])(list_events)
    get("/api/events.csv", response_class=Response, tags=["events"], responses={
        **ERRORS, 200: {"content": {"text/csv": {}}, "description": "ACLED CSV"}})(events_csv)
    get("/api/events.geojson", response_class=Response, tags=["events"], responses={
        **ERRORS, 200: {"content": {"application/geo+json": {}}, "description": "GeoJSON"}})(events_geojson)
    # before /api/events/{event_id}, which would otherwise take "points" for an event id
    get("/api/events/points", response_model=m.EventPoints, responses=ERRORS, tags=["events"])(list_points)
    get("/api/events/{event_id}", response_model=m.EventDetailOut, responses=NOT_FOUND, tags=["events"])(get_event)
    get("/api/articles/{article_id}", response_model=m.ArticleOut, responses=NOT_FOUND,
        tags=["articles"])(get_article)
    get("/api/stats/daily", response_model=m.DailyStats, responses=ERRORS, tags=["stats"])(daily_stats)
    get("/api/facets", response_model=m.Facets, responses=ERRORS, tags=["stats"])(get_facets)
    layer = m.Layer(url=tiles, attribution=tiles_attribution) if tiles else None

    @app.get("/api/config", response_model=m.ClientConfig, tags=["meta"])
    def config() -> m.ClientConfig:
        """What the dashboard needs: the tile layer (or none), the boundaries layer, what is enabled."""
        return m.ClientConfig(tiles=layer, boundaries=BOUNDARIES, ingest=allow_ingest, grade=has_grade())

    app.include_router(live.router)  # GET /api/stream: server-sent events when the store changes
    if allow_ingest:
        _install_ingest(app, str(token), pipeline)
    app.include_router(sources_router)  # the watched sources: /api/sources and /sources
    app.include_router(alerts_router)
    from warwatch.serve.report_api import router as report_router  # here: it imports this module's Filters

    app.include_router(report_router)  # GET /api/report: the situation report over the filters
    _install_pages(app)
    return app


def _install_ingest(app: FastAPI, token: str, pipeline: Any) -> None:
    bearer = HTTPBearer(auto_error=False, description="the token the server was started with")
    lock = threading.Lock()
    state: dict[str, Any] = {"pipeline": pipeline}
    attempts = security.FailedAttempts()

    # a default, not Annotated[...]: the annotation is a string here and could not see the local ``bearer``
    def authorised(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        client = security.client_address(request)
        # refused before the token is even compared: a right guess during a lock-out must teach nothing
        wait = attempts.retry_after(client)
        if wait is not None:  # not logged: the lock-out was, once, and a flood of 429s must not flood the log
            raise HTTPException(429, f"too many wrong tokens: try again in {wait} s",
                                headers={"Retry-After": str(wait)})
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "this endpoint needs Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        if not secrets.compare_digest(credentials.credentials.encode(), token.encode()):
            failures = attempts.failed(client)
            # the address and the count only: the presented token may be the real one mistyped
            security.log.warning("ingest refused for %s: wrong token (%d of %d allowed in %d s)%s", client,
                                 failures, attempts.limit, attempts.window,
                                 "; locked out" if failures >= attempts.limit else "")
            raise HTTPException(403, "wrong token")

    app.state.authorised = authorised  # the alerts' API (serve/alerts_api.py) asks for the same token

    def run(lines: list[str], numbers: list[int], keep_irrelevant: bool) -> dict[str, Any]:
        from warwatch.pipeline import Pipeline, ingest

        with lock, tempfile.TemporaryDirectory(prefix="warwatch-ingest-") as folder:
            stamp = datetime.now(UTC).strftime("api-%Y%m%dT%H%M%S")
            upload = Path(folder) / f"{stamp}.jsonl"
            upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
            if state["pipeline"] is None:
                state["pipeline"] = Pipeline()
            # a command-line ingest may hold the database: wait a little, then answer 503 (StoreError)
            # rather than keep the request open for the ten minutes a command would wait
            report = ingest([upload], db=app.state.db_path, pipeline=state["pipeline"], wait=INGEST_WAIT,
                            keep_irrelevant=keep_irrelevant)
        return {"stored": report.stored, "duplicates": report.duplicates, "mentions": report.mentions,
                "events": sorted(report.events), "rejected": report.rejected,
                "failures": [{"source": _request_line(f.source, str(upload), numbers), "reason": f.message}
                             for f in report.failures]}

    @app.post("/api/ingest", response_model=m.IngestResult, tags=["ingest"], dependencies=[Depends(authorised)],
              responses={401: {"model": m.ErrorOut}, 403: {"model": m.ErrorOut}, 413: {"model": m.ErrorOut},
                         429: {"model": m.ErrorOut, "description": "Too many wrong tokens from this address"},
                         **ERRORS},
              openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {
                  "schema": {"type": "string"}}}, "description": "JSONL: one article a line, "
                  '{"text" or "html", "title", "published", "outlet", "url", "id"}'}})
    async def ingest_articles(request: Request, keep_irrelevant: Annotated[bool, Query(
            description="read every article, also those the relevance gate would keep out as not about "
                        "armed conflict (by default they are stored unparsed, with the reason)")] = False,
                              ) -> dict[str, Any]:
        """Extract, geocode and store articles sent as JSONL (needs the server's token)."""
        body = await security.read_capped(request, MAX_INGEST_BYTES)
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _invalid("body", "the body is not UTF-8 text") from None
        lines: list[str] = []
        numbers: list[int] = []
        failures: list[dict[str, str]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as error:
                failures.append({"source": f"request:{n}", "reason": f"not valid JSON ({error.msg})"})
                continue
            if not isinstance(obj, dict) or not any(isinstance(obj.get(k), str) and obj[k].strip()
                                                    for k in ("text", "html")):
                failures.append({"source": f"request:{n}", "reason": 'expected an object with "text" or "html"'})
                continue
            # "path" would make the line a manifest entry naming a file on this server
            obj.pop("path", None)
            lines.append(json.dumps(obj, ensure_ascii=False))
            numbers.append(n)
        if not lines:
            raise _invalid("body", "no article in the request (one JSON object a line, with \"text\" or \"html\")")
        result = await run_in_threadpool(run, lines, numbers, keep_irrelevant)
        result["failures"] = failures + result["failures"]
        return result


def _request_line(source: str, upload: str, numbers: list[int]) -> str:
    """``request:N`` (N: the line of the request body) for a failure the ingest reported on the upload file."""
    rest = source.removeprefix(upload)
    if rest.startswith(":") and rest[1:].isdecimal() and 0 < int(rest[1:]) <= len(numbers):
        return f"request:{numbers[int(rest[1:]) - 1]}"
    return "request" + rest
