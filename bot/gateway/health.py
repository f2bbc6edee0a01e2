"""Liveness, readiness with reasons, and Prometheus metrics for operators.

/healthz says only that the gateway process answers (a liveness probe restarts it when not);
/readyz says whether a patient's message would be answered now, and if not, why; /metrics is
for Prometheus and, like everything else, is open only on localhost or with a token.
"""

from __future__ import annotations

import hmac
from typing import Any

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.gateway.metrics import Snapshot
from bot.gateway.services import Services
from bot.settings import LOCAL_HOSTS
from bot.store.figures import database_answers, escalation_counts, inbox_counts
from bot.store.inbox import failed_count

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def action_server_status(services: Services) -> dict[str, Any]:
    """The action server's own status (with its failed database writes), or down."""
    async with httpx.AsyncClient(timeout=3) as client:
        try:
            response = await client.get(services.settings.action_health_url)
        except httpx.HTTPError:
            return {"status": "down"}
    return response.json() if response.is_success else {"status": "down"}


def redis_status(redis_url: str | None) -> str:
    """Rasa's Redis lock store: off (not configured), up or down."""
    if not redis_url:
        return "off"
    import redis  # type: ignore[import-untyped]

    try:
        redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return "down"
    return "up"


async def live(request: Request) -> JSONResponse:
    """GET /healthz: the gateway process answers."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    """GET /readyz: Rasa with a model, the action server, the database, the channels."""
    services: Services = request.app.state.services
    actions = await action_server_status(services)
    processes = (await services.rasa.processes()).values()
    rasa = any(process["up"] for process in processes)
    database = await run_in_threadpool(database_answers, services.db)
    failed = await run_in_threadpool(failed_count, services.db) if database else 0
    modes = {channel.name: channel.status() for channel in request.app.state.channels}
    # Not a reason: while Redis is down, Rasa locks each conversation in its own memory.
    redis = await run_in_threadpool(redis_status, services.settings.redis_url)
    reasons = []
    if not rasa:
        reasons.append("Rasa does not answer or has no model loaded")
    if actions.get("status") == "down":
        reasons.append("the action server does not answer")
    elif actions.get("status") != "ok":
        reasons.append("the action server's last database write failed")
    if not database:
        reasons.append("the database does not answer")
    if failed:
        reasons.append(f"{failed} patient message(s) could not be handled")
    if any(process["tracker_store_failing"] for process in processes):
        reasons.append("Rasa's tracker store failed in the last minute (turns kept, retried)")
    body = {
        "ready": not reasons,
        "reasons": reasons,
        "rasa": rasa,
        # With several Rasa processes, one down is not "not ready": its conversations move.
        "rasa_processes": {"up": sum(p["up"] for p in processes), "of": len(processes)},
        # Turns Rasa refused because its tracker store failed (kept and retried, not lost).
        "tracker_store_failures": sum(p["tracker_store_failures"] for p in processes),
        "actions": actions.get("status") != "down",
        "database": database,
        "redis": redis,
        "telegram": modes.get("telegram", "off"),
        "failed_writes": actions.get("failed_writes", 0),
        "failed_messages": failed,
    }
    return JSONResponse(body, status_code=200 if not reasons else 503)


def _may_scrape(request: Request, services: Services) -> bool:
    """With METRICS_TOKEN: that bearer token; without: only while the gateway is local-only."""
    token = services.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return services.settings.gateway_host in LOCAL_HOSTS


async def metrics(request: Request) -> Response:
    """GET /metrics: Prometheus's text format."""
    services: Services = request.app.state.services
    if not _may_scrape(request, services):
        raise HTTPException(401, "Metrics need the METRICS_TOKEN bearer token.")
    actions = await action_server_status(services)
    processes = (await services.rasa.processes()).values()
    snapshot = Snapshot(
        rasa_up=sum(process["up"] for process in processes),
        tracker_store_failures=sum(p["tracker_store_failures"] for p in processes),
        escalations=await run_in_threadpool(escalation_counts, services.db),
        inbox=await run_in_threadpool(inbox_counts, services.db),
        workers=services.inbox.busy,
        failed_writes=int(actions.get("failed_writes", 0)),
    )
    body = services.metrics.render(snapshot)
    return Response(body, media_type=METRICS_TYPE, headers={"Cache-Control": "no-store"})


def routes() -> list[BaseRoute]:
    """The operator endpoints."""
    return [Route("/healthz", live), Route("/readyz", ready), Route("/metrics", metrics)]
