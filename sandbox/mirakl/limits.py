"""Per-operation frequency limits, as published, scalable for tests.

Each limited operation (OR11, STO01, TL02, IV01) allows ``calls`` accepted
calls per sliding ``window`` seconds per shop, every window multiplied by
``scale`` (0.01 turns a minute into 0.6 s). A call over the limit is
answered 429, with ``Retry-After`` (whole seconds until a slot frees up)
only when ``retry_after`` is set. Every call of every operation is recorded
with its time on the marketplace's clock, accepted or not.
"""

from __future__ import annotations

import math
from collections import defaultdict

from .const import LIMITS


class Limits:
    """Sliding-window counters per (shop, operation); not thread-safe alone
    (the marketplace calls it under its lock)."""

    def __init__(
        self, *, enabled: bool = True, scale: float = 1.0, retry_after: bool = False
    ):
        if scale <= 0:
            raise ValueError("limit scale must be positive")
        self.enabled = enabled
        self.scale = scale
        self.retry_after = retry_after
        self.rules = {name: tuple(rules) for name, rules in LIMITS.items()}
        # operation -> [{"at", "shop_id", "limited"}]
        self.calls: dict[str, list[dict]] = defaultdict(list)

    def configure(self, *, enabled=None, scale=None, retry_after=None) -> dict:
        """Change some settings; returns them all."""
        if scale is not None:
            if float(scale) <= 0:
                raise ValueError("limit scale must be positive")
            self.scale = float(scale)
        if enabled is not None:
            self.enabled = bool(enabled)
        if retry_after is not None:
            self.retry_after = bool(retry_after)
        return self.settings()

    def settings(self) -> dict:
        return {
            "enabled": self.enabled,
            "scale": self.scale,
            "retry_after": self.retry_after,
            "limits": {
                name: [
                    {"calls": calls, "window": window * self.scale}
                    for calls, window in rules
                ]
                for name, rules in self.rules.items()
            },
        }

    def check(self, operation: str, shop_id, now: float) -> float | None:
        """Record a call; ``None`` when allowed, else seconds until allowed."""
        wait = None
        if self.enabled:
            accepted = [
                call["at"]
                for call in self.calls[operation]
                if call["shop_id"] == shop_id and not call["limited"]
            ]
            for calls, window in self.rules.get(operation, ()):
                window *= self.scale
                recent = [at for at in accepted if at > now - window]
                if len(recent) >= calls:
                    free_at = recent[-calls] + window
                    wait = max(wait or 0.0, free_at - now)
        self.calls[operation].append(
            {"at": now, "shop_id": shop_id, "limited": wait is not None}
        )
        return wait

    def retry_after_header(self, wait: float) -> dict:
        """The headers of a 429 answer."""
        if not self.retry_after:
            return {}
        return {"Retry-After": str(max(1, math.ceil(wait)))}

    def call_times(self, operation: str, *, accepted_only: bool = False) -> list:
        """When ``operation`` was called (marketplace clock), oldest first."""
        return [
            call["at"]
            for call in self.calls.get(operation, ())
            if not (accepted_only and call["limited"])
        ]

    def summary(self) -> dict:
        return {
            operation: {
                "calls": len(calls),
                "limited": sum(1 for call in calls if call["limited"]),
                "times": [call["at"] for call in calls],
            }
            for operation, calls in self.calls.items()
        }

    def reset(self) -> None:
        self.calls.clear()
