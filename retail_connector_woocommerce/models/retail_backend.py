"""WooCommerce connection: fields, credentials, life cycle, the store's API.

The other ``retail_backend_*`` files extend the same model, one job each:
webhooks, order import, catalog and publishing, stock and price pushes,
fulfilment and refunds.
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.utils import secret_field, secret_set_field

from .. import const
from ..tools import client as wc_client
from ..tools import const as api_const
from ..tools import mappers
from ..tools.auth import auth_mode_warning

_logger = logging.getLogger(__name__)


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    channel = fields.Selection(
        selection_add=[(const.CHANNEL, "WooCommerce")],
        ondelete={const.CHANNEL: "cascade"},
    )

    # Connection ---------------------------------------------------------
    woocommerce_store_url = fields.Char(
        string="Store URL",
        help="Home address of the store, e.g. https://shop.example.com (the REST "
        "API is reached under /wp-json/wc/v3/).",
    )
    woocommerce_auth_mode = fields.Selection(
        const.AUTH_MODES,
        string="Authentication",
        default=api_const.AUTH_BASIC,
        help="WooCommerce only accepts Basic and query-string keys over HTTPS; a "
        "store on plain HTTP needs OAuth 1.0a.",
    )
    woocommerce_consumer_key = secret_field(
        const.SECRET_CONSUMER_KEY,
        string="Consumer Key",
        help="REST API key (WooCommerce › Settings › Advanced › REST API), with "
        "read/write permission. Write-only: stored encrypted, never shown again.",
    )
    woocommerce_consumer_secret = secret_field(
        const.SECRET_CONSUMER_SECRET,
        string="Consumer Secret",
        help="Secret of the REST API key. Write-only: stored encrypted, never "
        "shown again.",
    )
    woocommerce_credentials_set = secret_set_field(
        const.SECRET_CONSUMER_KEY, const.SECRET_CONSUMER_SECRET
    )
    woocommerce_auth_warning = fields.Char(compute="_compute_woocommerce_warnings")
    woocommerce_webhook_warning = fields.Char(compute="_compute_woocommerce_warnings")
    woocommerce_version = fields.Char(
        string="WooCommerce Version", readonly=True, copy=False
    )
    woocommerce_currency = fields.Char(
        string="Store Currency", readonly=True, copy=False
    )

    # Orders and refunds --------------------------------------------------
    woocommerce_api_refund = fields.Boolean(
        string="Refund Through the Payment Gateway",
        default=True,
        help="Credit notes posted in Odoo are refunded on the store; with this "
        "option the store also gives the money back through the order's payment "
        "gateway (api_refund). Without it the refund is only recorded.",
    )

    # ------------------------------------------------------------------
    # Computes, credentials
    # ------------------------------------------------------------------
    @api.depends("channel", "woocommerce_store_url", "woocommerce_auth_mode")
    def _compute_woocommerce_warnings(self):
        for backend in self:
            backend.woocommerce_auth_warning = False
            backend.woocommerce_webhook_warning = False
            if backend.channel != const.CHANNEL:
                continue
            if backend.woocommerce_store_url:
                backend.woocommerce_auth_warning = auth_mode_warning(
                    backend.woocommerce_store_url, backend.woocommerce_auth_mode
                )
            if backend.webhook_url:
                backend.woocommerce_webhook_warning = mappers.delivery_url_warning(
                    backend.webhook_url
                )

    def _woocommerce_demo_set_credentials(self, consumer_key, consumer_secret):
        """Demo data: the sandbox store's API key and a webhook secret.

        Like the base demo secret, they are only stored when this server has
        an encryption key; otherwise the demo connection stays without them.
        """
        try:
            for backend in self:
                backend._set_secret(const.SECRET_CONSUMER_KEY, consumer_key)
                backend._set_secret(const.SECRET_CONSUMER_SECRET, consumer_secret)
                backend._set_secret("webhook_secret", "demo-woocommerce-secret")
        except (UserError, ValueError) as exc:
            _logger.info("Demo WooCommerce connection left without keys: %s", exc)

    # ------------------------------------------------------------------
    # The channel contract
    # ------------------------------------------------------------------
    def _channel_features(self):
        if self.channel != const.CHANNEL:
            return super()._channel_features()
        return frozenset(
            {
                base_const.FEATURE_WEBHOOKS,
                base_const.FEATURE_ORDERS,
                base_const.FEATURE_POLLING,
                base_const.FEATURE_CONNECTION_TEST,
                base_const.FEATURE_WEBHOOK_SUBSCRIPTION,
                base_const.FEATURE_STOCK_EXPORT,
                base_const.FEATURE_PRICE_EXPORT,
                base_const.FEATURE_SHIPMENT_EXPORT,
                base_const.FEATURE_CANCEL_EXPORT,
                base_const.FEATURE_REFUND_EXPORT,
                base_const.FEATURE_CATALOG,
            }
        )

    def _channel_sensitive_headers(self):
        if self.channel != const.CHANNEL:
            return super()._channel_sensitive_headers()
        return frozenset({api_const.HEADER_SIGNATURE})

    def _channel_check_ready(self):
        if self.channel != const.CHANNEL:
            return super()._channel_check_ready()
        if not self.woocommerce_store_url or not self.woocommerce_credentials_set:
            raise UserError(
                _(
                    "Set the store URL, consumer key and consumer secret of "
                    "“%s” before activating it.",
                    self.name,
                )
            )

    def _channel_default_status_mapping(self):
        if self.channel != const.CHANNEL:
            return super()._channel_default_status_mapping()
        return dict(const.DEFAULT_STATUS_MAPPING)

    # ------------------------------------------------------------------
    # The store's API
    # ------------------------------------------------------------------
    def _woocommerce_client(self, **options):
        """A WooCommerceClient on the shared HTTP client of this connection.

        Calls go through the connection's rate limit and circuit breaker and
        honour Retry-After; ``options`` are passed to the HTTP client.
        """
        self.ensure_one()
        if not self.woocommerce_store_url:
            raise UserError(_("Set the store URL of “%s” first.", self.name))
        key = self._get_secret(const.SECRET_CONSUMER_KEY)
        secret = self._get_secret(const.SECRET_CONSUMER_SECRET)
        if not key or not secret:
            raise UserError(
                _("Set the consumer key and secret of “%s” first.", self.name)
            )
        # A scalar timeout: Odoo's test harness compares it with a number.
        options.setdefault("timeout", float(self.request_timeout or 30))
        try:
            return wc_client.WooCommerceClient(
                self.woocommerce_store_url,
                key,
                secret,
                self.woocommerce_auth_mode or api_const.AUTH_BASIC,
                http_client_factory=self._http_client,
                **options,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from exc

    def _woocommerce_check_channel(self):
        for backend in self:
            if backend.channel != const.CHANNEL:
                raise UserError(
                    _("“%s” is not a WooCommerce connection.", backend.name)
                )

    def _test_connection(self):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._test_connection()
        summary = mappers.store_summary(self._woocommerce_client().system_status())
        self.sudo().write(
            {
                "woocommerce_version": summary["woocommerce_version"],
                "woocommerce_currency": summary["currency"],
            }
        )
        message = _(
            "Connected to %(url)s: currency %(currency)s, WooCommerce %(version)s "
            "(WordPress %(wordpress)s).",
            url=summary["store_url"] or self.woocommerce_store_url,
            currency=summary["currency"] or "?",
            version=summary["woocommerce_version"] or "?",
            wordpress=summary["wordpress_version"] or "?",
        )
        pricelist_currency = self.pricelist_id.currency_id.name
        if pricelist_currency and summary["currency"] not in ("", pricelist_currency):
            message += " " + _(
                "Its currency differs from the pricelist's (%s): orders will use "
                "another pricelist and prices will not match.",
                pricelist_currency,
            )
        return message
