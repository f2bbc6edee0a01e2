"""Liveness, readiness with reasons, and Prometheus metrics, over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.test_gateway_web import in_process_gateway, session_headers

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture(scope="module")
def web(bot):
    with httpx.Client(base_url=bot.gateway, timeout=60) as client:
        yield client


def scrape(client: httpx.Client, **headers: str) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics, keyed by name and sorted labels."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_liveness_says_only_that_the_gateway_answers(web):
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_reports_every_part_and_no_reasons(web):
    response = web.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "reasons": [],
        "rasa": True,
        "rasa_processes": {"up": 1, "of": 1},
        "tracker_store_failures": 0,
        "actions": True,
        "database": True,
        "redis": "off",
        "telegram": "off",
        "failed_writes": 0,
        "failed_messages": 0,
    }


def test_metrics_count_turns_latency_fallbacks_and_escalations(web):
    before = scrape(web)
    mine = session_headers(web)
    for text in ("I'm 5 months pregnant, can I have mesotherapy?", "zxqv blorptangle wuggle"):
        assert web.post("/widget/messages", headers=mine, json={"text": text}).status_code == 200
    after = scrape(web)
    widget = (("channel", "web"),)

    def grew(name: str, labels: tuple = widget) -> float:
        return after.get((name, labels), 0) - before.get((name, labels), 0)

    assert grew("mesobot_turns_total") == 2
    assert grew("mesobot_turn_seconds_count") == 2
    assert grew("mesobot_fallbacks_total") == 1
    assert after[("mesobot_escalations", (("kind", "contraindication"), ("status", "open")))] >= 1
    assert after[("mesobot_inbox_messages", (("status", "done"),))] >= 2
    assert ("mesobot_failed_writes", ()) in after
    assert after[("mesobot_rasa_processes_up", ())] == 1
    assert after[("mesobot_tracker_store_failures", ())] == 0


def test_metrics_need_the_token_once_the_gateway_faces_the_network(bot, tmp_path):
    with in_process_gateway(bot, tmp_path, GATEWAY_HOST="0.0.0.0") as client:
        assert client.get("/metrics").status_code == 401
    with in_process_gateway(bot, tmp_path, GATEWAY_HOST="0.0.0.0", METRICS_TOKEN=TOKEN) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert scrape(client, Authorization=f"Bearer {TOKEN}")
