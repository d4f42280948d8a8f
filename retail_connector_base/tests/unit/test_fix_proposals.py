from decimal import Decimal

from odoo.addons.retail_connector_base.tools.fix_proposals import (
    parse_tax_cause,
    rank_by_name,
    rank_status_targets,
    rank_taxes,
    tax_cause_value,
)

TARGETS = ["pending", "confirmed", "completed", "cancelled"]
WOO_DEFAULTS = {
    "pending": "pending",
    "on-hold": "pending",
    "processing": "confirmed",
    "completed": "completed",
    "cancelled": "cancelled",
    "failed": "cancelled",
}


def test_tax_cause_value_reads_and_parses_back():
    value = tax_cause_value(Decimal("20.000"), False, "fr")
    assert value == "FR 20% excl."
    assert parse_tax_cause(value) == (Decimal("20"), False, "FR")
    assert tax_cause_value(Decimal("5.5"), True, "") == "5.5% incl."
    assert parse_tax_cause("5.5% incl.") == (Decimal("5.5"), True, "")


def test_tax_cause_parse_refuses_other_text():
    for text in ("", "20", "FR 20%", "twenty% incl.", None):
        assert parse_tax_cause(text) is None


# (id, percent, price_include, country, sequence)
TAXES = [
    (1, 20.0, True, "FR", 1),
    (2, 20.0, False, "FR", 1),
    (3, 19.0, False, "DE", 1),
    (4, 20.0, False, "BE", 1),
    (5, 5.5, False, "FR", 1),
    (6, 20.0, False, "FR", 0),
]


def test_rank_taxes_same_mode_then_country_then_sequence():
    ranked = rank_taxes(TAXES, Decimal("20"), False, "FR")
    assert [tax_id for tax_id, _mode, _country in ranked] == [6, 2, 4, 1]
    assert ranked[0][1:] == (True, True)
    assert ranked[2][1:] == (True, False), "another country, same mode"
    assert ranked[3][1:] == (False, True), "other price mode last"


def test_rank_taxes_never_offers_another_rate():
    assert [t for t, _m, _c in rank_taxes(TAXES, Decimal("19"), False, "FR")] == [3]
    assert rank_taxes(TAXES, Decimal("7"), False, "FR") == []
    assert [t for t, _m, _c in rank_taxes(TAXES, Decimal("5.5"), True, "FR")] == [5]


def test_status_close_to_a_mapped_one_takes_its_target():
    ranked = rank_status_targets("on_hold", WOO_DEFAULTS, TARGETS)
    assert ranked[0] == ("pending", "similar")


def test_status_words_say_what_it_means():
    assert rank_status_targets("awaiting-shipment", WOO_DEFAULTS, TARGETS)[0][0] in (
        "pending",
        "confirmed",
    )
    assert rank_status_targets("ready-to-ship", {}, TARGETS)[0] == (
        "confirmed",
        "words",
    )
    assert rank_status_targets("partially-delivered", {}, TARGETS)[0][0] == (
        "completed"
    )
    assert rank_status_targets("declined", {}, TARGETS)[0][0] == "cancelled"


def test_status_unknown_words_offer_every_target():
    ranked = rank_status_targets("xyz", {}, TARGETS)
    assert [target for target, _reason in ranked] == TARGETS
    assert {reason for _target, reason in ranked} == {"other"}


def test_status_targets_only_from_the_allowed_ones():
    ranked = rank_status_targets("refunded", {"refunded": "refund_handling"}, TARGETS)
    assert all(target in TARGETS for target, _reason in ranked)


def test_rank_by_name_finds_codes_spelled_another_way():
    warehouses = [(1, "WH San Francisco"), (2, "Outlet Madrid OUTM"), (3, "Store B")]
    assert rank_by_name("outlet-madrid", warehouses)[0][0] == 2
    assert rank_by_name("store_b", warehouses)[0] == (3, 1.0)
    methods = [(7, "Card Paris"), (8, "Cash Paris"), (9, "Other tenders Paris")]
    assert rank_by_name("cash Paris", methods)[0][0] == 8
