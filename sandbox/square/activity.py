"""Simulated activity for demos: yesterday's trading day, then live sales.

`simulate_day` fills the merchant with a past day in every active store:
the drawer opened before 9:00 local time, sales until 19:00 (card and
cash, some tips, some discounts, weighed tea), an online order or two, a
till return, the drawer counted at closing (now and then a little off),
and the day's card money paid out. `start_activity` then sells live at a
given rate in a background thread, with an online order now and then, a
return now and then, and optionally one store offline for a while.
"""

from __future__ import annotations

import datetime
import logging
import random

from .orders import OrderError

_logger = logging.getLogger(__name__)

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - Python without zoneinfo
    ZoneInfo = None


def _local_day_start(app, location: dict, days_ago: int) -> float:
    """9:00 local time ``days_ago`` days before the merchant's today."""
    zone = datetime.UTC
    if ZoneInfo is not None:
        try:
            zone = ZoneInfo(location["timezone"])
        except Exception:  # no tz database: UTC will do
            zone = datetime.UTC
    today = datetime.datetime.fromtimestamp(app.now(), zone).date()
    day = today - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(9, 0), zone).timestamp()


def random_lines(app, rng: random.Random) -> list:
    """One to three catalog lines; tea is weighed."""
    lines = []
    for variation in rng.sample(list(app.variations.values()), rng.randint(1, 3)):
        if variation["measured"]:
            quantity = f"{rng.randint(50, 400) / 1000:.3f}"
        else:
            quantity = rng.choice((1, 1, 1, 2, 3))
        lines.append((variation["id"], quantity, None))
    return lines


def random_sale(app, rng: random.Random, location_id: str, at=None) -> dict:
    """One POS sale with plausible tender, tip and discount."""
    tender = "CASH" if rng.random() < 0.3 else "CARD"
    tip = 0
    if app.locations[location_id]["currency"] == "USD" and rng.random() < 0.5:
        tip = rng.choice((100, 200, 300, 500))
    discount = 10 if rng.random() < 0.1 else None
    return app.pos_sale(
        location_id,
        random_lines(app, rng),
        tender=tender,
        tip=tip,
        at=at,
        discount_percent=discount,
        customer_id=f"CUST{rng.randrange(1000):04d}" if rng.random() < 0.3 else None,
    )


def simulate_day(app, sales_per_store: int = 25, days_ago: int = 1) -> dict:
    """A past trading day in every active store; counts of what was made."""
    rng = random.Random(f"{app.seed}:day")
    made = {"sales": 0, "returns": 0, "online_orders": 0, "payouts": 0}
    for location_id, location in list(app.locations.items()):
        if location["status"] != "ACTIVE":
            continue
        start = _local_day_start(app, location, days_ago)
        app.open_shift(location_id, 15000, at=start - 300)
        moments = sorted(
            start + rng.uniform(0, 10 * 3600) for _ in range(sales_per_store)
        )
        sold = []
        for moment in moments:
            sold.append(random_sale(app, rng, location_id, at=moment)["order"])
            made["sales"] += 1
        source = rng.choice(sold)
        line = source["line_items"][0]
        quantity = "1" if "." not in line["quantity"] else line["quantity"]
        app.till_return(source["id"], [(line["uid"], quantity)], at=moments[-1] + 600)
        made["returns"] += 1
        order = app.online_order(
            location_id,
            random_lines(app, rng),
            at=start + 3 * 3600,
            fulfillment="PICKUP",
        )
        app.complete_order(order["id"], at=start + 5 * 3600)
        made["online_orders"] += 1
        shift = app.end_shift(location_id, at=start + 10 * 3600 + 900)
        counted = shift["expected_cash_money"]["amount"] + rng.choice(
            (0, 0, 0, -200, 50)
        )
        app.close_shift(location_id, counted, at=start + 10 * 3600 + 1200)
        try:
            app.make_payout(location_id, at=start + 14 * 3600)
            made["payouts"] += 1
        except ValueError:
            pass
    return made


def start_activity(
    app,
    sales_per_minute: float,
    *,
    offline_location=None,
    offline_minutes: float = 0.0,
    count=None,
) -> None:
    """Sell live in a background thread until the app stops.

    With ``offline_location`` that store is offline for ``offline_minutes``
    (real minutes) from the start, then uploads what it sold meanwhile.
    """
    rng = random.Random(f"{app.seed}:live")
    for location_id, location in app.locations.items():
        active = location["status"] == "ACTIVE"
        if sales_per_minute > 0 and active and location_id not in app.open_shifts:
            app.open_shift(location_id, 15000)
    if offline_location:
        app.go_offline(offline_location)

    def bring_back() -> None:
        if not app.stopping.wait(offline_minutes * 60):
            uploaded = app.come_online(offline_location)
            _logger.info(
                "%s back online: %d sales uploaded", offline_location, len(uploaded)
            )

    if offline_location:
        app.spawn(bring_back, "square-offline")
    if sales_per_minute <= 0:
        return

    def sell() -> None:
        made = 0
        while count is None or made < count:
            if app.stopping.wait(rng.expovariate(sales_per_minute / 60.0)):
                return
            try:
                _one_event(app, rng)
                made += 1
            except (OrderError, ValueError, KeyError) as exc:
                _logger.info("simulated activity skipped: %s", exc)

    app.spawn(sell, "square-sales")


def _one_event(app, rng: random.Random) -> None:
    active = [lid for lid, loc in app.locations.items() if loc["status"] == "ACTIVE"]
    location_id = rng.choice(active)
    draw = rng.random()
    if draw < 0.1:
        order = app.online_order(
            location_id,
            random_lines(app, rng),
            fulfillment=rng.choice(("PICKUP", "SHIPMENT")),
        )
        app.complete_order(order["id"])
        return
    if draw < 0.15:
        with app.lock:
            done = [
                o
                for o in app.orders.values()
                if o["state"] == "COMPLETED"
                and o["tenders"]
                and not o.get("returns")
                and o["source"]["name"] == "Square Point of Sale"
            ]
        if done:
            source = rng.choice(done[-20:])
            line = source["line_items"][0]
            quantity = "1" if "." not in line["quantity"] else line["quantity"]
            app.till_return(source["id"], [(line["uid"], quantity)])
            return
    random_sale(app, rng, location_id)
