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
