"""The returns platform: one shop, its subscriptions, returns and events.

`LoopPlatform` holds the state; the behaviour comes from its mixins:
`Returns` (create, update, close, cancel, process), `Labels` (labels, label
requests, restocks, gift cards, the label timer), `Webhooks` (subscriptions
and signed deliveries) and `ReturnFlow` (returns of a WooCommerce store's
orders, for demos). Every change emits its event with the payload as it is
at that moment; the deliveries leave ``delivery_delay`` seconds later.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter

from ..common import Faults, Outbox, SandboxApp
from .const import DEFAULT_API_KEY, DEFAULT_SHOP_ID, DEFAULT_WEBHOOK_SECRET, TRIGGERS
from .flow import ReturnFlow
from .labels import Labels
from .returns import Returns
from .values import payload_bytes
from .webhooks import LoopDeliverer, Webhooks


def topic_of(trigger: str) -> str:
    """The topic of a trigger (``label.request.issued``: ``label.request``)."""
    for topic, triggers in TRIGGERS.items():
        if trigger in triggers:
            return topic
    raise ValueError(f"unknown trigger {trigger!r}")


class LoopPlatform(Returns, Labels, Webhooks, ReturnFlow, SandboxApp):
    """State and behaviour of Loop serving one shop; every method is thread-safe.

    ``retry_scale`` multiplies every wait between delivery attempts (the
    backoff and ``Retry-After``: 0.001 turns 30 s into 30 ms);
    ``label_step_delay`` moves every label one step along its way this often
    (``None``: only `label_progress` does); with ``auto_process`` a return
    whose parcel is delivered is processed (restock requested, refunded,
    closed). ``refund_gateway`` names the gateway of the refunds Loop issues
    when it processes a return. ``duplicate_subscription`` says what a second
    ``POST /webhooks`` for a (topic, trigger) pair does: ``"replace"`` the
    existing subscription's url and status, or ``"refuse"`` with a 422.
    """

    name = "loop"

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        shop_id: int = DEFAULT_SHOP_ID,
        retry_scale: float = 1.0,
        faults: Faults | None = None,
        seed: int | None = None,
        delivery_delay: float = 0.0,
        delivery_workers: int = 4,
        delivery_timeout: float = 10.0,
        label_step_delay: float | None = None,
        auto_process: bool = False,
        refund_gateway: str = "stripe",
        duplicate_subscription: str = "replace",
        clock=time.time,
    ):
        if retry_scale < 0:
            raise ValueError("retry_scale must not be negative")
        if duplicate_subscription not in ("replace", "refuse"):
            raise ValueError("duplicate_subscription: 'replace' or 'refuse'")
        if label_step_delay is not None and label_step_delay <= 0:
            raise ValueError("label_step_delay must be positive")
        super().__init__(faults=faults, clock=clock)
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.shop_id = shop_id
        self.retry_scale = retry_scale
        self.seed = seed
        self.random = random.Random(seed)
        self.label_step_delay = label_step_delay
        self.auto_process = auto_process
        self.refund_gateway = refund_gateway
        self.duplicate_subscription = duplicate_subscription
        self.subscriptions: dict[int, dict] = {}
        self.returns: dict[int, dict] = {}
        # provider_order_id -> Loop's own order id
        self.orders: dict[str, int] = {}
        self.events: dict[int, tuple[str, bytes]] = {}
        self.flow_stats: Counter = Counter()
        self._init_ids()
        self.deliverer = LoopDeliverer(
            self.faults,
            retry_scale=retry_scale,
            seed=seed,
            workers=delivery_workers,
            timeout=delivery_timeout,
            still_wanted=self._still_wanted,
            on_attempt=self._on_attempt,
            name="loop-webhooks",
        )
        self.outbox = Outbox(
            self.lock, self._fan_out, self._send, delay=delivery_delay, name="loop"
        )

    def _init_ids(self) -> None:
        self._subscription_ids = itertools.count(1)
        self._return_ids = itertools.count(3_000_001)
        self._order_ids = itertools.count(5_000_001)
        self._line_item_ids = itertools.count(9_000_001)
        self._label_ids = itertools.count(1)
        self._event_ids = itertools.count(1)

    def now(self) -> float:
        """The platform's clock (epoch seconds)."""
        return self.clock()

    def start(self) -> LoopPlatform:
        """Start deliveries and, with ``label_step_delay``, the label timer."""
        started = self._started
        super().start()
        if not started and self.label_step_delay is not None:
            self.spawn(self._label_timer, "loop-labels")
        return self

    # -- events -----------------------------------------------------------

    def emit_event(self, trigger: str, payload: dict) -> int:
        """Note one webhook event (under the lock): its body is fixed now."""
        event_id = next(self._event_ids)
        body = {"topic": topic_of(trigger), "trigger": trigger, **payload}
        self.events[event_id] = (trigger, payload_bytes(body))
        self.emit((event_id, trigger))
        return event_id

    # -- views ------------------------------------------------------------

    @property
    def deliveries(self) -> list[dict]:
        """Every delivery attempt (and drop) so far, oldest first."""
        return [attempt.to_dict() for attempt in self.deliverer.attempts()]

    def state(self) -> dict:
        with self.lock:
            states: dict[str, int] = {}
            for record in self.returns.values():
                states[record["state"]] = states.get(record["state"], 0) + 1
            return {
                "shop_id": self.shop_id,
                "retry_scale": self.retry_scale,
                "subscriptions": [dict(s) for s in self.subscriptions.values()],
                "returns": len(self.returns),
                "returns_by_state": states,
                "events": len(self.events),
                "flow": dict(self.flow_stats),
            }

    def reset(self) -> None:
        """Forget subscriptions, returns, events and the call log."""
        super().reset()
        with self.lock:
            self.subscriptions.clear()
            self.returns.clear()
            self.orders.clear()
            self.events.clear()
            self.flow_stats.clear()
            self._init_ids()
