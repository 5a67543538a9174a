"""FastAPI app factory: resources built in the lifespan, thin routes, domain errors mapped to HTTP."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service import metrics
from service.errors import BadFilterError, ServiceError, StoreUnavailableError, UnknownItemError
from service.recommender import Recommender
from service.resources import build_recommender
from service.schemas import (
    Event,
    EventBatch,
    EventsAccepted,
    Health,
    RecommendRequest,
    RecommendResponse,
    ScoredItem,
)
from service.settings import Settings
from service.state_store import StateStore

log = logging.getLogger("service")


def get_recommender(request: Request) -> Recommender:
    rec: Recommender | None = getattr(request.app.state, "recommender", None)
    if rec is None:
        raise StoreUnavailableError("the model is not loaded yet")
    return rec


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


RecommenderDep = Annotated[Recommender, Depends(get_recommender)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _validation_error(loc: list[str | int], msg: str, kind: str) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [{"loc": loc, "msg": msg, "type": kind}]})


def create_app(settings: Settings | None = None, *, store: StateStore | None = None) -> FastAPI:
    """`store` overrides the one the settings would build (tests pass an in-memory or Redis store)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.recommender = build_recommender(settings, store=store)
        log.info(
            "ready model_version=%s store=%s",
            app.state.recommender.model_version,
            type(app.state.recommender.store).__name__,
        )
        try:
            yield
        finally:
            await app.state.recommender.store.close()

    app = FastAPI(
        title="HeterRec serve",
        version="0.1.0",
        lifespan=lifespan,
        description="Real-time sequential recommendations: stream events, ask for top-k items.",
    )
    app.state.settings = settings
    app.state.recommender = None

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        t0 = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        elapsed = time.perf_counter() - t0
        metrics.REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(elapsed)
        if route not in ("/healthz", "/metrics"):
            log.info(
                "request method=%s route=%s status=%d ms=%.2f",
                request.method,
                route,
                response.status_code,
                1000 * elapsed,
            )
        return response

    @app.exception_handler(UnknownItemError)
    async def unknown_item(_: Request, exc: UnknownItemError) -> JSONResponse:
        return _validation_error(["body", "item_id"], str(exc), "unknown_item")

    @app.exception_handler(BadFilterError)
    async def bad_filter(_: Request, exc: BadFilterError) -> JSONResponse:
        return _validation_error(["body", "filters"], str(exc), "bad_filter")

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        log.warning("service error status=%d %s", exc.status, exc)
        return JSONResponse(status_code=exc.status, content={"detail": str(exc)})

    @app.post("/events", response_model=EventsAccepted)
    async def post_events(
        rec: RecommenderDep,
        settings: SettingsDep,
        body: Annotated[Event | EventBatch, Body(description="one event, or {'events': [...]}")],
    ) -> EventsAccepted | JSONResponse:
        events = body.events if isinstance(body, EventBatch) else [body]
        if len(events) > settings.max_batch_events:
            return _validation_error(
                ["body", "events"],
                f"batch of {len(events)} events is over MAX_BATCH_EVENTS={settings.max_batch_events}; split it",
                "too_long",
            )
        lengths = await rec.ingest_batch([(str(e.user_id), e.item_id, _event_record(e)) for e in events])
        single = next(iter(lengths.values())) if len(lengths) == 1 else None
        return EventsAccepted(accepted=len(events), users=lengths, seq_len=single)

    @app.post("/recommend", response_model=RecommendResponse)
    async def post_recommend(rec: RecommenderDep, settings: SettingsDep, req: RecommendRequest) -> Any:
        if req.k > settings.max_k:
            return _validation_error(["body", "k"], f"k={req.k} is over MAX_K={settings.max_k}", "less_than_equal")
        result = await rec.recommend(str(req.user_id), req.k, exclude_seen=req.exclude_seen, filters=req.filters)
        return RecommendResponse(
            user_id=req.user_id,
            source=result.source,
            model_version=rec.model_version,
            items=[ScoredItem(item_id=i, score=s) for i, s in zip(result.item_ids, result.scores, strict=True)],
        )

    @app.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok")

    @app.get("/readyz", response_model=Health)
    async def readyz(request: Request) -> Any:
        rec: Recommender | None = request.app.state.recommender
        if rec is None:
            return JSONResponse(status_code=503, content={"status": "loading", "detail": {"model": "not loaded"}})
        try:
            await rec.store.ping()
        except StoreUnavailableError as exc:
            return JSONResponse(status_code=503, content={"status": "unavailable", "detail": {"store": str(exc)}})
        return Health(status="ready", detail={"model_version": rec.model_version, "store": type(rec.store).__name__})

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def _event_record(e: Event) -> dict[str, str]:
    return {
        "user_id": str(e.user_id),
        "item_id": str(e.item_id),
        "timestamp": "" if e.timestamp is None else repr(e.timestamp),
        "event_type": e.event_type or "",
        "received": repr(time.time()),
    }
