"""Mirakl connection: fields, credentials, life cycle, the marketplace's API.

The other ``retail_backend_*`` files extend the same model, one job each:
order polling and acceptance, fulfilment and refunds, stock imports,
settlement.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.utils import secret_field, secret_set_field

from .. import const
from ..tools import api as mirakl_api
from ..tools.client import MiraklClient


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    channel = fields.Selection(
        selection_add=[(const.CHANNEL, "Mirakl Marketplace")],
        ondelete={const.CHANNEL: "cascade"},
    )

    # Connection ---------------------------------------------------------
    mirakl_url = fields.Char(
        string="Marketplace URL",
        help="Address of the operator's Mirakl instance, e.g. "
        "https://marketplace.example.com (the API is under /api).",
    )
    mirakl_api_key = secret_field(
        const.SECRET_API_KEY,
        string="API Key",
        help="The shop's API key (Mirakl back office › My user settings › API "
        "key). Write-only: stored encrypted, never shown again.",
    )
    mirakl_api_key_set = secret_set_field(const.SECRET_API_KEY)
    mirakl_shop_id = fields.Char(
        string="Shop ID",
        help="Needed when the API key serves several shops; sent as shop_id.",
    )
    mirakl_shop_name = fields.Char(string="Shop Name", readonly=True, copy=False)
    mirakl_currency = fields.Char(string="Shop Currency", readonly=True, copy=False)

    # Orders --------------------------------------------------------------
    mirakl_acceptance_policy = fields.Selection(
        const.ACCEPTANCE_POLICIES,
        string="Acceptance",
        default="auto",
        help="By stock: a line is accepted only when its warehouse has the "
        "quantity free, net of what other channels' quotations and accepted "
        "orders hold. Manual: the order waits for a person's decision.",
    )
    mirakl_partial_acceptance = fields.Boolean(
        string="Partial Acceptance Allowed",
        default=True,
        help="Whether the marketplace lets the shop accept some lines of an "
        "order and refuse others. Without it an order is accepted or refused "
        "as a whole.",
    )
    mirakl_page_size = fields.Integer(
        string="Orders per Page",
        default=mirakl_api.ORDER_PAGE_MAX,
        help="Orders read per call (max); Mirakl's usual upper bound is 100.",
    )
    mirakl_carrier_ids = fields.One2many(
        "retail.mirakl.carrier", "backend_id", string="Carriers"
    )
    mirakl_refund_reason_ids = fields.One2many(
        "retail.mirakl.refund.reason", "backend_id", string="Refund Reasons"
    )

    @api.onchange("channel")
    def _onchange_channel_mirakl(self):
        if self.channel == const.CHANNEL and self.poll_interval == 15:
            # Mirakl recommends polling orders every five minutes.
            self.poll_interval = 5

    # ------------------------------------------------------------------
    # The channel contract
    # ------------------------------------------------------------------
    def _channel_features(self):
        if self.channel != const.CHANNEL:
            return super()._channel_features()
        return frozenset(
            {
                base_const.FEATURE_ORDERS,
                base_const.FEATURE_POLLING,
                base_const.FEATURE_CONNECTION_TEST,
                base_const.FEATURE_STOCK_EXPORT,
                base_const.FEATURE_SHIPMENT_EXPORT,
                base_const.FEATURE_CANCEL_EXPORT,
                base_const.FEATURE_REFUND_EXPORT,
                base_const.FEATURE_LOCATIONS,
            }
        )

    def _channel_check_ready(self):
        if self.channel != const.CHANNEL:
            return super()._channel_check_ready()
        if not self.mirakl_url or not self.mirakl_api_key_set:
            raise UserError(
                _(
                    "Set the marketplace URL and API key of “%s” before activating it.",
                    self.name,
                )
            )

    def _channel_default_status_mapping(self):
        if self.channel != const.CHANNEL:
            return super()._channel_default_status_mapping()
        return dict(const.DEFAULT_STATUS_MAPPING)

    # ------------------------------------------------------------------
    # The marketplace's API
    # ------------------------------------------------------------------
    def _mirakl_client(self, **options):
        """A MiraklClient on this connection's shared HTTP client.

        Calls go through the rate limit, circuit breaker and Retry-After of
        the base, and each operation with a published frequency waits for its
        turn (``_call_schedule``): a turn more than a few seconds away
        postpones the job instead.
        """
        self.ensure_one()
        if not self.mirakl_url:
            raise UserError(_("Set the marketplace URL of “%s” first.", self.name))
        key = self._get_secret(const.SECRET_API_KEY)
        if not key:
            raise UserError(_("Set the API key of “%s” first.", self.name))
        options.setdefault("timeout", float(self.request_timeout or 30))
        http = self._http_client(
            self.mirakl_url, headers={"Authorization": key}, secrets=(key,), **options
        )
        return MiraklClient(
            http,
            shop_id=self.mirakl_shop_id,
            schedule=lambda operation, limits: self._call_schedule(operation, limits),
        )

    def _test_connection(self):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._test_connection()
        account = self._mirakl_client().account()
        name = account.get("shop_name") or ""
        currency = account.get("currency_iso_code") or ""
        self.sudo().write({"mirakl_shop_name": name, "mirakl_currency": currency})
        message = _(
            "Connected to shop %(name)s (%(shop)s), currency %(currency)s.",
            name=name or "?",
            shop=account.get("shop_id") or self.mirakl_shop_id or "?",
            currency=currency or "?",
        )
        pricelist_currency = self.pricelist_id.currency_id.name
        if pricelist_currency and currency not in ("", pricelist_currency):
            message += " " + _(
                "Its currency differs from the pricelist's (%s): orders will use "
                "another pricelist.",
                pricelist_currency,
            )
        return message
