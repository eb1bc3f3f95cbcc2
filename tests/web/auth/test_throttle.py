from __future__ import annotations

from haiquan.web.auth.throttle import LoginThrottle


def test_blocks_after_the_limit_until_the_window_passes() -> None:
    throttle = LoginThrottle(attempts=3, window_seconds=100)
    for second in range(3):
        assert throttle.retry_after("k", now=float(second)) == 0
        throttle.failed("k", now=float(second))
    assert throttle.retry_after("k", now=3.0) == 97.0
    assert throttle.retry_after("other", now=3.0) == 0
    assert throttle.retry_after("k", now=100.0) == 0  # the first failure has left the window


def test_success_forgets_failures() -> None:
    throttle = LoginThrottle(attempts=1, window_seconds=100)
    throttle.failed("k", now=0.0)
    throttle.succeeded("k")
    assert throttle.retry_after("k", now=1.0) == 0


def test_looking_up_a_key_stores_nothing() -> None:
    throttle = LoginThrottle(attempts=1, window_seconds=100)
    for n in range(1000):
        assert throttle.retry_after(f"user-{n}@10.0.0.{n % 250}", now=0.0) == 0
    assert len(throttle) == 0


def test_old_keys_are_dropped_when_the_table_grows() -> None:
    # A stream of new usernames and addresses must not fill the memory of a long-running server.
    throttle = LoginThrottle(attempts=3, window_seconds=100, max_keys=50)
    for n in range(200):
        throttle.failed(f"user-{n}", now=float(n))
    assert len(throttle) <= 101  # only keys failed within the last window are kept
    assert throttle.retry_after("user-199", now=199.0) == 0  # one failure: not yet blocked
    for _ in range(2):
        throttle.failed("user-199", now=199.0)
    assert throttle.retry_after("user-199", now=199.0) == 100.0  # kept keys still count
