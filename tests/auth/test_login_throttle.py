"""The failed-login counter on its own, with a clock the test moves."""

from __future__ import annotations

from twofold.auth.login_throttle import Limit, LoginThrottle


class Clock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, *, max_keys: int = 100) -> LoginThrottle:
    return LoginThrottle(
        per_email=Limit(failures=3, window=60.0),
        per_address=Limit(failures=5, window=60.0),
        clock=clock,
        max_keys=max_keys,
    )


def test_an_email_is_locked_after_its_failures_until_the_oldest_leave_the_window() -> None:
    clock = Clock()
    limits = throttle(clock)
    for seconds in (0, 10, 20):
        clock.now = 1000.0 + seconds
        assert limits.retry_after(email="a@example.com", address="10.0.0.1") is None
        limits.failed(email="A@Example.com ", address="10.0.0.1")
    assert limits.retry_after(email="a@example.com", address="10.0.0.9") == 40  # 1000+60-1020
    assert limits.retry_after(email="b@example.com", address="10.0.0.9") is None
    clock.now = 1059.5
    assert limits.retry_after(email="a@example.com", address="10.0.0.9") == 1
    clock.now = 1060.0  # the first failure has left the window
    assert limits.retry_after(email="a@example.com", address="10.0.0.9") is None


def test_an_address_is_locked_after_failures_on_any_emails() -> None:
    clock = Clock()
    limits = throttle(clock)
    for number in range(5):
        limits.failed(email=f"user{number}@example.com", address="10.0.0.1")
    assert limits.retry_after(email="new@example.com", address="10.0.0.1") == 60
    assert limits.retry_after(email="new@example.com", address="10.0.0.2") is None


def test_success_clears_the_email_but_not_the_address() -> None:
    clock = Clock()
    limits = throttle(clock)
    for _ in range(2):
        limits.failed(email="a@example.com", address="10.0.0.1")
    limits.succeeded(email="a@example.com")
    for _ in range(2):
        limits.failed(email="a@example.com", address="10.0.0.1")
    assert limits.retry_after(email="a@example.com", address="10.0.0.2") is None
    limits.failed(email="other@example.com", address="10.0.0.1")
    assert limits.retry_after(email="x@example.com", address="10.0.0.1") == 60


def test_memory_is_bounded_by_forgetting_the_oldest_keys() -> None:
    clock = Clock()
    limits = throttle(clock, max_keys=10)
    for number in range(50):
        clock.now += 1
        limits.failed(email=f"user{number}@example.com", address=f"10.0.{number}.1")
    assert len(limits._failures) <= 10
    clock.now += 120  # everything expired: forgotten on the next write
    limits.failed(email="late@example.com", address="10.9.9.9")
    assert len(limits._failures) == 2
