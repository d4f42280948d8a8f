"""Made-up customers with their addresses (ISO 3166 alpha-3 country codes)."""

from __future__ import annotations

import random

_FIRST = ("Camille", "Lucas", "Emma", "Noah", "Léa", "Jonas", "Sofia", "Hugo")
_LAST = ("Martin", "Bernard", "Dubois", "Müller", "García", "Peeters", "Rossi")
_PLACES = (
    ("Paris", "75011", "France", "FRA"),
    ("Lyon", "69003", "France", "FRA"),
    ("Bruxelles", "1000", "Belgique", "BEL"),
    ("Berlin", "10115", "Deutschland", "DEU"),
    ("Madrid", "28001", "España", "ESP"),
)
_STREETS = ("rue de la Paix", "avenue des Lilas", "Hauptstraße", "calle Mayor")


def _address(rng: random.Random, first, last, null_country_rate: float) -> dict:
    city, zip_code, country, iso3 = rng.choice(_PLACES)
    return {
        "civility": rng.choice(("MR", "MRS", None)),
        "firstname": first,
        "lastname": last,
        "company": None,
        "street_1": f"{rng.randint(1, 120)} {rng.choice(_STREETS)}",
        "street_2": None,
        "zip_code": zip_code,
        "city": city,
        "state": None,
        "country": country,
        "country_iso_code": None if rng.random() < null_country_rate else iso3,
        "phone": f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
        "phone_secondary": None,
    }


def random_customer(
    rng: random.Random, null_country_rate: float = 0.0, email_rate: float = 0.5
) -> dict:
    """A customer; its ``customer_id`` is its e-mail with ``email_rate`` chance."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first.lower()}.{last.lower()}.{rng.randint(1, 9999)}@example.com"
    email = email.encode("ascii", "ignore").decode()
    customer_id = (
        email if rng.random() < email_rate else f"CUST-{rng.randint(100000, 999999)}"
    )
    billing = _address(rng, first, last, null_country_rate)
    shipping = (
        dict(billing)
        if rng.random() < 0.7
        else _address(rng, first, last, null_country_rate)
    )
    return {
        "customer_id": customer_id,
        "firstname": first,
        "lastname": last,
        "civility": billing["civility"],
        "locale": "fr_FR",
        "email": email,
        "billing_address": billing,
        "shipping_address": shipping,
    }
