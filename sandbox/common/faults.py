"""What a sandbox does wrong, and when.

`FaultConfig` holds the knobs; `Faults` takes the decisions. Decisions come
from independent random streams (one per kind of decision) seeded from
`FaultConfig.seed`, so the n-th inbound request or the n-th webhook delivery
always gets the same fate for a given seed, whatever else runs concurrently.
`add_fault_arguments` / `fault_config_from_args` are the matching command-line
options of every sandbox.
"""

from __future__ import annotations

import argparse
import dataclasses
import email.utils
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_REORDER_WINDOW = 5

_RATE_FIELDS = (
    "error_rate",
    "rate_limit_rate",
    "drop_rate",
    "duplicate_rate",
    "bad_signature_rate",
)
_DURATION_FIELDS = ("latency_ms", "latency_jitter_ms", "retry_after")


def _number(name: str, value) -> float:
    # bool is an int subclass: `"error_rate": true` is a mistake, not 1.0.
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return number


@dataclass(frozen=True)
class FaultConfig:
    """What a sandbox does wrong, and how often.

    Inbound faults (applied to requests the sandbox receives):
    ``latency_ms`` plus or minus ``latency_jitter_ms`` of delay before
    answering; ``rate_limit_rate`` fraction answered 429 with a
    ``Retry-After`` of ``retry_after`` seconds (an HTTP-date instead when
    ``retry_after_date``); ``error_rate`` fraction answered ``error_status``.

    Delivery faults (applied to webhooks the sandbox sends): ``drop_rate``
    fraction never sent, ``duplicate_rate`` fraction sent twice, ``reorder``
    shuffle window (0 keeps the order; ``True`` means a window of
    `DEFAULT_REORDER_WINDOW`), ``bad_signature_rate`` fraction sent with a
    wrong signature.

    ``seed`` makes every decision reproducible; ``None`` draws fresh
    randomness. Rates are fractions between 0 and 1.
    """

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    retry_after_date: bool = False
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    reorder: int = 0
    bad_signature_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self):
        for name in _RATE_FIELDS:
            value = _number(name, getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: must be between 0 and 1, got {value}")
            object.__setattr__(self, name, value)
        for name in _DURATION_FIELDS:
            value = _number(name, getattr(self, name))
            if value < 0:
                raise ValueError(f"{name}: must not be negative, got {value}")
            object.__setattr__(self, name, value)
        status = self.error_status
        if isinstance(status, bool) or not isinstance(status, int | str):
            raise ValueError(f"error_status: expected a 5xx status, got {status!r}")
        try:
            status = int(status)
        except ValueError:
            raise ValueError(
                f"error_status: expected a 5xx status, got {status!r}"
            ) from None
        if not 500 <= status <= 599:
            raise ValueError(f"error_status: expected a 5xx status, got {status}")
        object.__setattr__(self, "error_status", status)
        reorder = self.reorder
        if isinstance(reorder, bool):
            reorder = DEFAULT_REORDER_WINDOW if reorder else 0
        reorder_number = _number("reorder", reorder)
        if reorder_number < 0 or reorder_number != int(reorder_number):
            raise ValueError(f"reorder: expected a window size >= 0, got {reorder!r}")
        object.__setattr__(self, "reorder", int(reorder_number))
        if not isinstance(self.retry_after_date, bool):
            value = self.retry_after_date
            raise ValueError(f"retry_after_date: expected true or false, got {value!r}")
        if self.seed is not None:
            if isinstance(self.seed, bool) or not isinstance(self.seed, int):
                raise ValueError(f"seed: expected an integer, got {self.seed!r}")

    @classmethod
    def from_dict(cls, data: Mapping) -> FaultConfig:
        """Build a config from a mapping; unknown keys are an error."""
        return cls().replace(**dict(data))

    def replace(self, **changes) -> FaultConfig:
        """A copy with ``changes`` applied and validated."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(
                f"unknown fault setting(s): {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON-serializable form."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class InboundFault:
    """The fate of one inbound request."""

    delay: float = 0.0
    status: int | None = None
    retry_after: str | None = None


@dataclass(frozen=True)
class DeliveryFault:
    """The fate of one outbound webhook delivery."""

    drop: bool = False
    copies: int = 1


class Faults:
    """Thread-safe fault decisions, reproducible when the config has a seed.

    Each kind of decision draws from its own random stream and always
    consumes the same number of draws, so changing one rate at runtime does
    not shift the sequence of the other decisions.
    """

    def __init__(self, config: FaultConfig | None = None):
        self._initial = config or FaultConfig()
        self._lock = threading.Lock()
        self._config = self._initial
        self._streams: dict[str, random.Random] = {}
        self._counters: Counter = Counter()

    @property
    def config(self) -> FaultConfig:
        """The current configuration."""
        return self._config

    def configure(self, config: FaultConfig | None = None, **changes) -> FaultConfig:
        """Replace the config, or change some of its fields.

        The random streams restart only when the seed changes, so raising a
        rate mid-test continues the same reproducible sequence.
        """
        with self._lock:
            new = config if config is not None else self._config.replace(**changes)
            if new.seed != self._config.seed:
                self._streams.clear()
            self._config = new
            return new

    def reset(self) -> None:
        """Back to the config given at creation, streams and counters restarted."""
        with self._lock:
            self._config = self._initial
            self._streams.clear()
            self._counters.clear()

    def _stream(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            seed = self._config.seed
            stream = random.Random(f"{seed}:{name}" if seed is not None else None)
            self._streams[name] = stream
        return stream

    def inbound(self) -> InboundFault:
        """Decide latency and an injected 429 / 5xx for one inbound request."""
        with self._lock:
            config = self._config
            stream = self._stream("inbound")
            jitter_draw, limit_draw, error_draw = (stream.random() for _ in range(3))
            self._counters["requests"] += 1
            delay_ms = config.latency_ms + config.latency_jitter_ms * (
                2 * jitter_draw - 1
            )
            delay = max(0.0, delay_ms) / 1000.0
            if delay:
                self._counters["delayed"] += 1
            if limit_draw < config.rate_limit_rate:
                self._counters["rate_limited"] += 1
                return InboundFault(delay, 429, self._retry_after_value(config))
            if error_draw < config.error_rate:
                self._counters["errors"] += 1
                return InboundFault(delay, config.error_status)
            return InboundFault(delay)

    @staticmethod
    def _retry_after_value(config: FaultConfig) -> str:
        if config.retry_after_date:
            return email.utils.formatdate(time.time() + config.retry_after, usegmt=True)
        # delta-seconds is an integer in RFC 9110; round up so a client
        # honouring it never comes back too early.
        return str(math.ceil(config.retry_after))

    def delivery(self) -> DeliveryFault:
        """Decide whether one outbound delivery is dropped or duplicated."""
        with self._lock:
            config = self._config
            stream = self._stream("delivery")
            drop_draw, duplicate_draw = stream.random(), stream.random()
            self._counters["deliveries"] += 1
            if drop_draw < config.drop_rate:
                self._counters["dropped"] += 1
                return DeliveryFault(drop=True, copies=0)
            if duplicate_draw < config.duplicate_rate:
                self._counters["duplicated"] += 1
                return DeliveryFault(copies=2)
            return DeliveryFault()

    def bad_signature(self) -> bool:
        """Whether the next outbound delivery should carry a wrong signature."""
        with self._lock:
            bad = self._stream("signature").random() < self._config.bad_signature_rate
            if bad:
                self._counters["bad_signatures"] += 1
            return bad

    def chance(self, stream: str, rate: float) -> bool:
        """A reproducible yes/no with probability ``rate`` from a named stream.

        For channel-specific faults that `FaultConfig` does not model.
        """
        with self._lock:
            return self._stream(f"custom:{stream}").random() < rate

    def shuffle(self, items: list) -> list:
        """A shuffled copy of ``items`` (the reorder fault)."""
        with self._lock:
            shuffled = list(items)
            self._stream("reorder").shuffle(shuffled)
            if len(shuffled) > 1:
                self._counters["reordered_batches"] += 1
            return shuffled

    @property
    def reorder_window(self) -> int:
        """Current shuffle window for deliveries (0 or 1: keep the order)."""
        return self._config.reorder

    def counters(self) -> dict:
        """How many decisions of each kind were taken."""
        with self._lock:
            return dict(self._counters)

    def snapshot(self) -> dict:
        """Config and counters, for the state endpoint."""
        with self._lock:
            return {"config": self._config.to_dict(), "counters": dict(self._counters)}


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command-line knobs that build a `FaultConfig`."""
    inbound = parser.add_argument_group(
        "faults on requests this sandbox receives",
        "Change them at runtime with POST /_sandbox/faults.",
    )
    inbound.add_argument("--latency-ms", type=float, default=0.0, metavar="MS")
    inbound.add_argument("--latency-jitter-ms", type=float, default=0.0, metavar="MS")
    inbound.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests answered with --error-status",
    )
    inbound.add_argument("--error-status", type=int, default=503, metavar="5XX")
    inbound.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests answered 429 with Retry-After",
    )
    inbound.add_argument(
        "--retry-after",
        type=float,
        default=1.0,
        metavar="S",
        help="Retry-After seconds on a 429 (default 1)",
    )
    outbound = parser.add_argument_group("faults on webhooks this sandbox sends")
    outbound.add_argument(
        "--drop", type=float, default=0.0, metavar="F", help="fraction never sent"
    )
    outbound.add_argument(
        "--duplicates",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction sent twice",
    )
    outbound.add_argument(
        "--out-of-order",
        type=int,
        default=0,
        metavar="N",
        help="shuffle deliveries within windows of N (0: keep the order)",
    )
    outbound.add_argument(
        "--bad-signature",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction sent with a wrong signature",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="make every random choice reproducible"
    )


def fault_config_from_args(args: argparse.Namespace) -> FaultConfig:
    """The `FaultConfig` described by `add_fault_arguments` options."""
    return FaultConfig(
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        error_rate=args.error_rate,
        error_status=args.error_status,
        rate_limit_rate=args.rate_limit,
        retry_after=args.retry_after,
        drop_rate=args.drop,
        duplicate_rate=args.duplicates,
        reorder=args.out_of_order,
        bad_signature_rate=args.bad_signature,
        seed=args.seed,
    )


def faults_from_args(args: argparse.Namespace) -> Faults:
    """The `Faults` described by `add_fault_arguments` options."""
    return Faults(fault_config_from_args(args))
