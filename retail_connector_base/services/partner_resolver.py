"""Find or create the customer of a channel order and its addresses."""

from odoo import fields

from .locks import lock_or_retry


def normalize_email(email):
    """Lower-cased, stripped e-mail ('' when absent)."""
    return (email or "").strip().lower()


class PartnerResolver:
    """Binding first, then normalized e-mail, else a new contact.

    Invoice and delivery addresses are child contacts, reused when identical,
    so repeated orders never pile up duplicates.
    """

    ADDRESS_FIELDS = ("name", "street", "street2", "city", "zip")

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self.Partner = env["res.partner"].sudo().with_context(tracking_disable=True)

    def resolve(self, order):
        """Return (customer, invoice address, delivery address)."""
        customer = self._resolve_customer(order)
        invoice = self._resolve_address(customer, order.billing_address, "invoice")
        delivery = self._resolve_address(customer, order.shipping_address, "delivery")
        return customer, invoice, delivery

    def _resolve_customer(self, order):
        party = order.customer
        email = normalize_email(party.email or order.billing_address.email)
        Binding = self.env["retail.partner.binding"].sudo()
        if party.external_id:
            lock_or_retry(self.env, self.backend.id, "partner", party.external_id)
            binding = Binding.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("external_id", "=", party.external_id),
                ],
                limit=1,
            )
            if binding:
                return binding.partner_id
        if email:
            lock_or_retry(self.env, self.backend.company_id.id, "email", email)
        partner = self._find_by_email(email) if email else self.Partner
        if not partner:
            partner = self.Partner.create(self._customer_values(order, email))
        if party.external_id:
            Binding.create(
                {
                    "backend_id": self.backend.id,
                    "external_id": party.external_id,
                    "partner_id": partner.id,
                    "sync_date": fields.Datetime.now(),
                }
            )
        return partner

    def _find_by_email(self, email):
        return self.Partner.search(
            [
                ("email", "=ilike", email),
                ("parent_id", "=", False),
                ("company_id", "in", (False, self.backend.company_id.id)),
            ],
            order="id",
            limit=1,
        )

    def _customer_values(self, order, email):
        party, billing = order.customer, order.billing_address
        values = self._address_values(billing)
        values.update(
            name=party.name or billing.name or email or order.name,
            email=email or False,
            phone=party.phone or billing.phone or False,
            company_id=False,
        )
        return values

    def _address_values(self, address):
        values = {
            "street": address.street or False,
            "street2": address.street2 or False,
            "city": address.city or False,
            "zip": address.zip or False,
            "email": normalize_email(address.email) or False,
            "phone": address.phone or False,
        }
        country = self._country(address.country_code)
        values["country_id"] = country.id or False
        values["state_id"] = self._state(country, address.state_code).id or False
        return values

    def _country(self, code):
        if not code:
            return self.env["res.country"]
        return self.env["res.country"].search([("code", "=ilike", code)], limit=1)

    def _state(self, country, code):
        if not country or not code:
            return self.env["res.country.state"]
        return self.env["res.country.state"].search(
            [("country_id", "=", country.id), ("code", "=ilike", code)], limit=1
        )

    def _resolve_address(self, customer, address, address_type):
        if address.is_empty():
            return customer
        values = self._address_values(address)
        values["name"] = address.name or customer.name
        if address.company:
            values["name"] = f"{address.company}, {values['name']}"
        if self._same_address(customer, values):
            return customer
        for child in customer.child_ids.filtered(lambda c: c.type == address_type):
            if self._same_address(child, values):
                return child
        return self.Partner.create(
            dict(values, parent_id=customer.id, type=address_type)
        )

    def _same_address(self, partner, values):
        simple = all(
            (partner[field] or False) == (values.get(field) or False)
            for field in self.ADDRESS_FIELDS
            if field != "name"
        )
        return (
            simple
            and (partner.country_id.id or False) == values["country_id"]
            and (partner.name or "") == (values.get("name") or partner.name or "")
        )
