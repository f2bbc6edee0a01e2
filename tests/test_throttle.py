"""Per-chat throttling delays messages past the burst; it never drops them."""

from __future__ import annotations

from bot.gateway.throttle import ChatThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_waits_grow_and_refill_over_time():
    clock = Clock()
    throttle = ChatThrottle(rate=0.5, burst=3, clock=clock)
    assert [throttle.wait_time(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert throttle.wait_time(1) == 2.0
    assert throttle.wait_time(1) == 4.0
    clock.now = 10.0
    assert throttle.wait_time(1) == 0.0


def test_chats_are_limited_separately_and_keep_their_order_lock():
    throttle = ChatThrottle(rate=1, burst=1, clock=Clock())
    assert throttle.wait_time(1) == 0.0
    assert throttle.wait_time(2) == 0.0
    assert throttle.wait_time(1) > 0
    assert throttle.lock(1) is throttle.lock(1)
    assert throttle.lock(1) is not throttle.lock(2)
