"""Square's vocabularies, the seeded merchant and the delivery policy."""

from __future__ import annotations

API = "/v2"
DEFAULT_ACCESS_TOKEN = "EAAAl" + "sandbox0square0access0token0f3a9c1d7e5b2"
DEFAULT_MERCHANT_ID = "MLSQ7XKV0D1RC"
DEFAULT_APPLICATION_ID = "sandbox-sq0idb-RetailConnector"
API_VERSION = "2025-08-20"
ENVIRONMENT = "Sandbox"

# Square's SDK test vector (square/utils/webhooks_helper tests).
TEST_SIGNATURE_KEY = "Ibxx_5AKakO-3qeNVR61Dw"
TEST_NOTIFICATION_URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
TEST_BODY = (
    '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification",'
    '"event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f",'
    '"created_at":"2022-07-13T20:30:59.037339943Z",'
    '"data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}'
)
TEST_SIGNATURE = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
USER_AGENT = "Square Connect v2"

EVENT_TYPES = (
    "order.created",
    "order.updated",
    "order.fulfillment.updated",
    "payment.created",
    "payment.updated",
    "refund.created",
    "refund.updated",
    "payout.sent",
    "payout.paid",
    "payout.failed",
    "inventory.count.updated",
    "location.created",
    "location.updated",
)

# Delivery: retries after 1, 2, 4, 8, 16, 32 minutes, then every hour while
# less than 72 hours passed since the first attempt; only a 2xx acknowledges.
RETRY_WAITS = (60.0, 120.0, 240.0, 480.0, 960.0, 1920.0)
RETRY_HOURLY = 3600.0
RETRY_HORIZON = 72 * 3600.0
# A subscription without a 2xx for three weeks is disabled.
DISABLE_AFTER = 21 * 24 * 3600.0
# An offline payment uploaded more than 24 h after the sale is declined.
OFFLINE_LIMIT = 24 * 3600.0

# Payouts: processing fee of a card charge, 2.6 % + 10 minor units.
FEE_RATE = "0.026"
FEE_FIXED = 10

ORDER_STATES = ("OPEN", "COMPLETED", "CANCELED", "DRAFT")
SHIFT_STATES = ("OPEN", "ENDED", "CLOSED")
TENDERS = ("CARD", "CASH")
SEARCH_LOCATIONS_MAX = 10
SEARCH_LIMIT_MAX = 1000
SEARCH_LIMIT_DEFAULT = 500

# The three stores of the seeded merchant. Taxes: VAT included in prices in
# Europe, sales tax added on top in New York.
LOCATIONS = (
    {
        "id": "LPARIS7Q2M3XA",
        "name": "Paris Marais",
        "timezone": "Europe/Paris",
        "currency": "EUR",
        "country": "FR",
        "language_code": "fr-FR",
        "address": {
            "address_line_1": "12 rue des Francs-Bourgeois",
            "locality": "Paris",
            "postal_code": "75003",
            "country": "FR",
        },
        "tax": {"name": "TVA", "percentage": "20", "type": "INCLUSIVE"},
    },
    {
        "id": "LBERLN4K8W1ZC",
        "name": "Berlin Mitte",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "country": "DE",
        "language_code": "de-DE",
        "address": {
            "address_line_1": "Rosenthaler Str. 40",
            "locality": "Berlin",
            "postal_code": "10178",
            "country": "DE",
        },
        "tax": {"name": "MwSt", "percentage": "19", "type": "INCLUSIVE"},
    },
    {
        "id": "LNYSOH9T5R6PD",
        "name": "New York SoHo",
        "timezone": "America/New_York",
        "currency": "USD",
        "country": "US",
        "language_code": "en-US",
        "address": {
            "address_line_1": "120 Spring St",
            "locality": "New York",
            "administrative_district_level_1": "NY",
            "postal_code": "10012",
            "country": "US",
        },
        "tax": {"name": "Sales Tax", "percentage": "8.875", "type": "ADDITIVE"},
    },
)

# item name -> [(variation name, sku, price in minor units: EUR, USD)]
CATALOG = (
    ("Espresso Cup", [("Regular", "CUP-ESP", 1200, 1400)]),
    (
        "Linen Tee",
        [
            ("S", "TEE-LIN-S", 3500, 3900),
            ("M", "TEE-LIN-M", 3500, 3900),
            ("L", "TEE-LIN-L", 3500, 3900),
        ],
    ),
    ("Canvas Tote", [("Natural", "TOTE-NAT", 1900, 2200)]),
    (
        "Coffee Beans 1kg",
        [("Ethiopia", "BEAN-ETH", 2400, 2800), ("Colombia", "BEAN-COL", 2200, 2600)],
    ),
    ("Loose Tea (per kg)", [("Sencha", "TEA-SEN-KG", 6000, 7000)]),
    ("Notebook", [("Dotted", "NB-DOT", 900, 1000), ("Plain", "NB-PLN", 900, 1000)]),
)
# Stock per location and variation at start.
INITIAL_STOCK = 40
