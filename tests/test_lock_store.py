"""The lock store: Rasa's Redis lock store while Redis answers, this process's memory while not.

Real Redis (skipped without it, except under CI) and a port where nothing listens.
"""

from __future__ import annotations

import asyncio

import redis
from rasa.utils.endpoints import EndpointConfig

from bot.nlu.lock_store import ResilientRedisLockStore
from bot.ops.rasa_config import lock_store
from tests.conftest import REDIS_URL, free_port, redis_or_skip


def store_for(url: str) -> ResilientRedisLockStore:
    config = lock_store(url)
    return ResilientRedisLockStore(EndpointConfig.from_dict(config))


async def two_turns_at_once(store: ResilientRedisLockStore, conversation: str) -> list[str]:
    """Two messages of one conversation: the second waits until the first is done."""
    order: list[str] = []

    async def turn(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.01):
            order.append(f"{name} starts")
            await asyncio.sleep(0.2)
            order.append(f"{name} ends")

    await asyncio.gather(turn("first", 0), turn("second", 0.05))
    return order


ONE_AT_A_TIME = ["first starts", "first ends", "second starts", "second ends"]


def test_with_redis_the_lock_lives_in_redis():
    redis_or_skip()
    store = store_for(REDIS_URL)
    seen: list[bool] = []

    async def run() -> list[str]:
        async def look() -> None:
            await asyncio.sleep(0.1)
            seen.append(bool(redis.Redis.from_url(REDIS_URL).keys("mesobot:lock:conv-r*")))

        order, _ = await asyncio.gather(two_turns_at_once(store, "conv-r1"), look())
        return order

    assert asyncio.run(run()) == ONE_AT_A_TIME
    assert seen == [True] and store.redis_up


def test_without_redis_turns_still_run_one_at_a_time(caplog):
    store = store_for(f"redis://127.0.0.1:{free_port()}/0")
    assert asyncio.run(two_turns_at_once(store, "conv-d1")) == ONE_AT_A_TIME
    assert not store.redis_up
    assert "Redis lock store failed (ConnectionError)" in caplog.text


def test_a_lock_taken_in_memory_is_finished_in_memory_when_redis_comes_back():
    redis_or_skip()
    store = store_for(REDIS_URL)
    store.retry_at = float("inf")  # Redis counted as down: the first turn locks in memory

    async def run() -> list[str]:
        async def redis_back() -> None:
            await asyncio.sleep(0.02)
            store.retry_at = 0.0

        order, _ = await asyncio.gather(two_turns_at_once(store, "conv-b1"), redis_back())
        return order

    assert asyncio.run(run()) == ONE_AT_A_TIME
    assert store.local.conversation_locks == {}
