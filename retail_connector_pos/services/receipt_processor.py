"""Book a store receipt as Odoo's point of sale would: a paid ``pos.order``.

The receipt goes to the session of its store and business day (a rescue
session of that day once the day is closed) through ``pos.order``'s own
order processing, the path the POS screen takes: payments, the paid state
and the real-time picking out of the store's location all apply unchanged.
Amounts are Square's, per line and per tender; Odoo's closing recomputes
the taxes and balances a rounding cent if the two disagree.
"""

import uuid
from decimal import Decimal

from odoo import _

from odoo.addons.retail_connector_base.services.errors import (
    RetailBusinessError,
    RetailStaleEventError,
)
from odoo.addons.retail_connector_base.services.product_resolver import (
    ProductResolver,
)
from odoo.addons.retail_connector_base.services.tax_resolver import TaxResolver

_UUID_NAMESPACE = uuid.UUID("6f1f1f3c-52a3-4d0e-9a43-6a1e0a2b7c51")


def _float(value: Decimal) -> float:
    return float(value)


def receipt_uuid(backend_id, external_id):
    """The POS order's ``uuid``, the same for every booking attempt."""
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{backend_id}/{external_id}"))


class ReceiptProcessor:
    """Applies ``receipts.Receipt`` records of one connection."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend

    def apply(self, receipt, exchange=None):
        Order = self.env["pos.order"].sudo()
        existing = Order._retail_find(self.backend, [receipt.external_id])
        if existing:
            return self._already_booked(existing, receipt)
        if receipt.state != "COMPLETED":
            # Not paid yet (a declined offline card, an open online order):
            # booked once it completes.
            return None
        store = self.backend._pos_store(receipt.location_id)
        config = store.pos_config_id
        if config.currency_id.name != receipt.currency:
            raise RetailBusinessError(
                _(
                    "Receipt %(receipt)s is in %(currency)s, the point of sale "
                    "%(config)s in %(config_currency)s: give the store a point of "
                    "sale in its currency, then press Retry.",
                    receipt=receipt.external_id,
                    currency=receipt.currency,
                    config=config.name,
                    config_currency=config.currency_id.name,
                )
            )
        paid = sum((tender.total for tender in receipt.tenders), Decimal(0))
        if config.currency_id.compare_amounts(_float(paid), _float(receipt.total)):
            raise RetailBusinessError(
                _(
                    "Receipt %(receipt)s totals %(total)s but its tenders %(paid)s: "
                    "it is booked once Square shows it paid (press Retry).",
                    receipt=receipt.external_id,
                    total=receipt.total,
                    paid=paid,
                )
            )
        company = store.company_id
        day = self.env["retail.pos.day"].sudo()._for(store, receipt.business_date)
        session, late = day._booking_session()
        values = self._order_values(receipt, store, session, late, company)
        Order = Order.with_company(company).with_context(
            allowed_company_ids=company.ids
        )
        order = Order.browse(Order._process_order(values, False))
        if order.state not in ("paid", "done", "invoiced"):
            raise RetailBusinessError(
                _("Receipt %s could not be marked paid in Odoo.", receipt.external_id)
            )
        return order

    def _already_booked(self, order, receipt):
        """A booked receipt is final: later versions only move its stamp."""
        if (
            receipt.updated_at
            and order.retail_updated_at
            and receipt.updated_at <= order.retail_updated_at
        ):
            raise RetailStaleEventError(
                _("Receipt %s is already booked in this state.", receipt.external_id)
            )
        if receipt.updated_at:
            order.retail_updated_at = receipt.updated_at
        return order

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------
    def _order_values(self, receipt, store, session, late, company):
        products = ProductResolver(self.env, self.backend, company)
        products.prefetch([line.sku for line in receipt.lines if line.sku])
        taxes = TaxResolver(self.env, self.backend, company)
        lines = [
            (0, 0, self._line_values(line, products, taxes)) for line in receipt.lines
        ]
        lines += [(0, 0, values) for values in self._return_values(receipt)]
        if receipt.tip_total:
            lines.append((0, 0, self._tip_values(receipt, store)))
        payments = [
            (
                0,
                0,
                {
                    "payment_method_id": store._pos_method_for(tender.type).id,
                    "amount": _float(tender.total),
                    "payment_date": receipt.device_time,
                    "transaction_id": tender.refund_id or tender.payment_id,
                    "card_type": tender.card_brand or False,
                },
            )
            for tender in receipt.tenders
        ]
        return {
            "name": receipt.external_id,
            "uuid": receipt_uuid(self.backend.id, receipt.external_id),
            "session_id": session.id,
            "company_id": company.id,
            "user_id": self.env.uid,
            "partner_id": self._customer(receipt).id,
            "date_order": receipt.device_time,
            "lines": lines,
            "payment_ids": payments,
            "amount_total": _float(receipt.total),
            "amount_tax": _float(receipt.tax_total),
            "amount_paid": _float(sum(t.total for t in receipt.tenders)),
            "amount_return": 0.0,
            "state": "paid",
            "to_invoice": False,
            "retail_backend_id": self.backend.id,
            "retail_external_id": receipt.external_id,
            "retail_updated_at": receipt.updated_at,
            "retail_business_date": receipt.business_date,
            "retail_device_time": receipt.device_time,
            "retail_offline": receipt.is_offline,
            "retail_late": late,
        }

    def _customer(self, receipt):
        """The receipt's customer when Odoo knows them (a binding of this
        connection); a store sale may have none."""
        if not receipt.customer_id:
            return self.env["res.partner"]
        return (
            self.env["retail.partner.binding"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("external_id", "=", receipt.customer_id),
                ],
                limit=1,
            )
            .partner_id
        )

    def _product(self, line, products):
        binding = self.backend._square_binding(line.catalog_object_id)
        if binding:
            return binding.product_id
        if not line.sku:
            if line.catalog_object_id:
                raise RetailBusinessError(
                    _(
                        "Item %(name)s (%(id)s) has no SKU in Square: give it one, "
                        "or link it on the connection's catalog, then press Retry.",
                        name=line.name,
                        id=line.catalog_object_id,
                    ),
                    cause_kind="unknown_sku",
                    cause_value=line.catalog_object_id,
                )
            return self.backend._pos_custom_amount_product()
        product = products.resolve(line.sku, line.name)
        if line.catalog_object_id:
            self.backend._square_bind(product, line.catalog_object_id, line.sku)
        return product

    def _line_values(self, line, products, taxes):
        product = self._product(line, products)
        gross = line.unit_price * line.quantity
        discount = (line.discount / gross * 100) if gross else Decimal(0)
        tax = taxes.resolve(line.tax_rate, line.tax_included)
        name = line.name
        if line.variation_name and line.variation_name not in name:
            name = f"{name} ({line.variation_name})"
        return {
            "product_id": product.id,
            "full_product_name": name,
            "qty": _float(line.quantity),
            "price_unit": _float(line.unit_price),
            "discount": _float(discount),
            "tax_ids": [(6, 0, tax.ids)],
            "price_subtotal": _float(line.total - line.tax_amount),
            "price_subtotal_incl": _float(line.total),
            "retail_line_uid": line.uid,
        }

    def _return_values(self, receipt):
        """Lines given back, each linked to the line it returns."""
        if not receipt.returns:
            return []
        Line = self.env["pos.order.line"].sudo()
        sources = Line.search(
            [
                ("order_id.retail_backend_id", "=", self.backend.id),
                (
                    "order_id.retail_external_id",
                    "in",
                    list({ret.source_order_id for ret in receipt.returns}),
                ),
            ]
        )
        by_uid = {
            (line.order_id.retail_external_id, line.retail_line_uid): line
            for line in sources
        }
        values = []
        for ret in receipt.returns:
            source = by_uid.get((ret.source_order_id, ret.source_line_uid))
            if not source:
                raise RetailBusinessError(
                    _(
                        "Receipt %(receipt)s returns line %(line)s of %(sale)s, "
                        "which is not booked in Odoo: press Retry once it is.",
                        receipt=receipt.external_id,
                        line=ret.source_line_uid,
                        sale=ret.source_order_id,
                    )
                )
            values.append(
                {
                    "product_id": source.product_id.id,
                    "full_product_name": source.full_product_name,
                    "qty": -_float(ret.quantity),
                    "price_unit": source.price_unit,
                    "discount": source.discount,
                    "tax_ids": [(6, 0, source.tax_ids.ids)],
                    "price_subtotal": -_float(ret.amount - ret.tax_amount),
                    "price_subtotal_incl": -_float(ret.amount),
                    "refunded_orderline_id": source.id,
                    "retail_line_uid": ret.uid,
                }
            )
        return values

    def _tip_values(self, receipt, store):
        product = store.pos_config_id.tip_product_id or (
            self.backend._pos_custom_amount_product()
        )
        return {
            "product_id": product.id,
            "full_product_name": _("Tip"),
            "qty": 1.0,
            "price_unit": _float(receipt.tip_total),
            "discount": 0.0,
            "tax_ids": [(6, 0, [])],
            "price_subtotal": _float(receipt.tip_total),
            "price_subtotal_incl": _float(receipt.tip_total),
        }
