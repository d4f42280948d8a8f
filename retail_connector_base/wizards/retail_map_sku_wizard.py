"""Map SKU: the one-action fix of an unknown SKU.

The wizard proposes the Odoo products the channel's SKU most likely stands
for, ranked:

1. **same SKU**: the internal reference equals the SKU up to case, spaces and
   separators (``lamp-99``, ``LAMP 99``, ``Lamp_99`` all match ``LAMP-99``);
2. **same barcode**: the barcode equals the SKU (spaces around it ignored);
3. **similar name**: the product's name is close to the channel line's name
   (read from the failed exchange's payload) or to the SKU, by difflib's
   ratio; at least ``NAME_THRESHOLD``, best first.

A product found by several rules takes its best one; within a rule, the
closer name comes first. Confirming creates the connection's SKU mapping and
retries every failed exchange of the connection failed on the same SKU.
"""

import difflib
import json
import re

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

NAME_THRESHOLD = 0.5
MAX_PROPOSALS = 8
# Products read for the name rule: those sharing a word with the line or SKU.
NAME_CANDIDATES = 200

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def normalize_sku(value):
    """The SKU up to case, spaces and separators: ``Lamp_99`` → ``lamp99``."""
    return _SEPARATORS.sub("", value or "").casefold()


def _words(text):
    return [word for word in _SEPARATORS.split(text or "") if len(word) >= 2]


def _similarity(name, targets):
    name = " ".join(_words(name)).casefold()
    return max(
        (
            difflib.SequenceMatcher(None, name, " ".join(_words(t)).casefold()).ratio()
            for t in targets
            if t
        ),
        default=0.0,
    )


def line_name_in_payload(payload, sku):
    """The name of the payload's line selling `sku`, if the payload has one."""
    try:
        data = json.loads(payload or "")
    except ValueError:
        return ""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("sku") == sku:
                name = node.get("name") or node.get("title")
                if isinstance(name, str) and name.strip():
                    return name.strip()
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return ""


class RetailMapSkuWizard(models.TransientModel):
    _name = "retail.map.sku.wizard"
    _inherit = "retail.guided.fix"
    _description = "Map an unknown channel SKU to a product"
    _failure_kind = "unknown_sku"

    sku = fields.Char(string="Channel SKU", related="failure_value")
    line_name = fields.Char(string="Channel Name", readonly=True)
    proposal_ids = fields.One2many("retail.map.sku.proposal", "wizard_id")
    proposal_id = fields.Many2one(
        "retail.map.sku.proposal",
        string="Proposals",
        domain="[('wizard_id', '=', id)]",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        help="The product the channel SKU stands for: a proposal, or any other.",
    )

    @api.depends("proposal_id")
    def _compute_product_id(self):
        for wizard in self:
            if wizard.proposal_id:
                wizard.product_id = wizard.proposal_id.product_id

    @api.model
    def _fix_values(self, backend, value, exchange):
        line_name = line_name_in_payload(exchange.payload, value) if exchange else ""
        proposals = self._propose(backend, value, line_name)
        return {
            "line_name": line_name,
            "proposal_ids": [
                Command.create(
                    {
                        "sequence": rank,
                        "product_id": product.id,
                        "reason": reason,
                        "score": score,
                    }
                )
                for rank, (product, reason, score) in enumerate(proposals, 1)
            ],
        }

    def _after_open(self):
        self.proposal_id = self.proposal_ids[:1]

    def _fix_title(self):
        return _("Map SKU %s", self.sku)

    @api.model
    def _propose(self, backend, sku, line_name=""):
        """[(product, reason, score)] best first (see the module's docstring)."""
        Product = self.env["product.product"].with_company(backend.company_id)
        company = [("company_id", "in", (False, backend.company_id.id))]
        found = {}

        def offer(products, reason, rank):
            for product in products:
                score = _similarity(product.name, (line_name, sku))
                best = found.get(product.id)
                if not best or (rank, -score) < (best[0], -best[2]):
                    found[product.id] = (rank, reason, score)

        key = normalize_sku(sku)
        if key:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM product_product WHERE active AND "
                    "lower(regexp_replace(default_code, '[^[:alnum:]]+', '', 'g'))"
                    " = %s",
                    key,
                )
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            offer(Product.search([("id", "in", ids), *company]), "sku", 1)
        if sku.strip():
            offer(
                Product.search([("barcode", "=", sku.strip()), *company]), "barcode", 2
            )
        words = sorted(set(_words(line_name) + _words(sku)))
        if words:
            domain = expression.OR([[("name", "ilike", word)] for word in words])
            candidates = Product.search(
                [*domain, *company], limit=NAME_CANDIDATES, order="id desc"
            )
            offer(
                candidates.filtered(
                    lambda p: _similarity(p.name, (line_name, sku)) >= NAME_THRESHOLD
                ),
                "name",
                3,
            )
        ranked = sorted(
            found.items(), key=lambda item: (item[1][0], -item[1][2], item[0])
        )
        return [
            (Product.browse(product_id), reason, score)
            for product_id, (_rank, reason, score) in ranked[:MAX_PROPOSALS]
        ]

    def action_confirm(self):
        """Map the SKU to the chosen product and retry its failed exchanges."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(_("Pick the product the SKU %s stands for.", self.sku))
        self._save_answer(
            "retail.sku.mapping",
            {"backend_id": self.backend_id.id, "sku": self.sku},
            {"product_id": self.product_id.id, "active": True},
        )
        return self._retry_failed(
            _(
                "SKU %(sku)s mapped to %(product)s",
                sku=self.sku,
                product=self.product_id.display_name,
            )
        )


class RetailMapSkuProposal(models.TransientModel):
    _name = "retail.map.sku.proposal"
    _description = "A product proposed for an unknown channel SKU"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "retail.map.sku.wizard", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    reason = fields.Selection(
        [
            ("sku", "Same SKU"),
            ("barcode", "Same barcode"),
            ("name", "Similar name"),
        ],
        readonly=True,
    )
    score = fields.Float(string="Name Similarity", digits=(3, 2), readonly=True)

    @api.depends("product_id", "reason")
    def _compute_display_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for proposal in self:
            proposal.display_name = "%s — %s" % (
                proposal.product_id.display_name,
                reasons.get(proposal.reason, ""),
            )
