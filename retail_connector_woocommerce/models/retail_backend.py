import dataclasses
import json
import logging
import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.services.errors import (
    RetailBusinessError,
    WebhookRejected,
)
from odoo.addons.retail_connector_base.services.product_resolver import (
    ProductResolver,
)
from odoo.addons.retail_connector_base.tools import (
    canonical,
    http_client,
    inbound,
    signatures,
)

from .. import const
from ..tools import client as wc_client
from ..tools import const as api_const
from ..tools import mappers
from ..tools.auth import auth_mode_warning

_logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


def _money_text(value):
    """A price as WooCommerce takes it: a string with two decimals."""
    return format(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP), "f")


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
    woocommerce_consumer_key = fields.Char(
        string="Consumer Key",
        compute="_compute_woocommerce_credentials",
        inverse="_inverse_woocommerce_consumer_key",
        help="REST API key (WooCommerce › Settings › Advanced › REST API), with "
        "read/write permission. Write-only: stored encrypted, never shown again.",
    )
    woocommerce_consumer_secret = fields.Char(
        string="Consumer Secret",
        compute="_compute_woocommerce_credentials",
        inverse="_inverse_woocommerce_consumer_secret",
        help="Secret of the REST API key. Write-only: stored encrypted, never "
        "shown again.",
    )
    woocommerce_credentials_set = fields.Boolean(
        compute="_compute_woocommerce_credentials"
    )
    woocommerce_auth_warning = fields.Char(compute="_compute_woocommerce_warnings")
    woocommerce_webhook_warning = fields.Char(compute="_compute_woocommerce_warnings")
    woocommerce_version = fields.Char(
        string="WooCommerce Version", readonly=True, copy=False
    )
    woocommerce_currency = fields.Char(
        string="Store Currency", readonly=True, copy=False
    )

    # Orders, refunds, prices ---------------------------------------------
    woocommerce_status_mapping_ids = fields.One2many(
        "retail.woocommerce.status.mapping",
        "backend_id",
        string="Status Mapping",
        copy=True,
    )
    woocommerce_api_refund = fields.Boolean(
        string="Refund Through the Payment Gateway",
        default=True,
        help="Credit notes posted in Odoo are refunded on the store; with this "
        "option the store also gives the money back through the order's payment "
        "gateway (api_refund). Without it the refund is only recorded.",
    )
    woocommerce_export_prices = fields.Boolean(
        string="Push Prices on Change",
        help="Push the connection pricelist's price of bound products whenever "
        "a price or the pricelist changes. Prices can always be pushed on demand.",
    )
    woocommerce_price_include_tax = fields.Boolean(
        string="Store Prices Include Tax",
        help="Add the products' sale taxes to the pricelist price before pushing "
        "it, for stores whose prices are entered tax included.",
    )

    # Store side -----------------------------------------------------------
    woocommerce_webhook_ids = fields.One2many(
        "retail.woocommerce.webhook", "backend_id", string="Store Webhooks"
    )
    woocommerce_catalog_item_ids = fields.One2many(
        "retail.woocommerce.catalog.item", "backend_id", string="Store Catalog"
    )
    woocommerce_unmatched_count = fields.Integer(
        string="Unmatched Store Products",
        compute="_compute_woocommerce_unmatched_count",
    )
    woocommerce_catalog_linked_at = fields.Datetime(
        string="Catalog Linked", readonly=True, copy=False
    )

    # ------------------------------------------------------------------
    # Computes, credentials
    # ------------------------------------------------------------------
    def _compute_woocommerce_credentials(self):
        names = self.env["retail.backend.secret"]._names_set(self)
        for backend in self:
            backend.woocommerce_consumer_key = False
            backend.woocommerce_consumer_secret = False
            backend.woocommerce_credentials_set = {
                const.SECRET_CONSUMER_KEY,
                const.SECRET_CONSUMER_SECRET,
            } <= names.get(backend.id, set())

    def _inverse_woocommerce_consumer_key(self):
        for backend in self:
            if backend.woocommerce_consumer_key:
                backend._set_secret(
                    const.SECRET_CONSUMER_KEY, backend.woocommerce_consumer_key.strip()
                )

    def _inverse_woocommerce_consumer_secret(self):
        for backend in self:
            if backend.woocommerce_consumer_secret:
                backend._set_secret(
                    const.SECRET_CONSUMER_SECRET,
                    backend.woocommerce_consumer_secret.strip(),
                )

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

    def _compute_woocommerce_unmatched_count(self):
        counts = dict(
            self.env["retail.woocommerce.catalog.item"]._read_group(
                [("backend_id", "in", self.ids), ("state", "!=", "matched")],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            backend.woocommerce_unmatched_count = counts.get(backend, 0)

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
    # Life cycle
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._woocommerce_seed_status_mapping()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if vals.get("channel") == const.CHANNEL:
            self._woocommerce_seed_status_mapping()
        return result

    def _woocommerce_seed_status_mapping(self):
        """Give WooCommerce connections without a status mapping the default one."""
        Mapping = self.env["retail.woocommerce.status.mapping"].sudo()
        for backend in self:
            if (
                backend.channel != const.CHANNEL
                or backend.woocommerce_status_mapping_ids
            ):
                continue
            Mapping.create(
                [
                    {
                        "backend_id": backend.id,
                        "woocommerce_status": status,
                        "target": target,
                    }
                    for status, target in const.DEFAULT_STATUS_MAPPING.items()
                ]
            )

    def action_woocommerce_reset_status_mapping(self):
        """Replace the status mapping with the default one."""
        for backend in self:
            backend.woocommerce_status_mapping_ids.unlink()
        self._woocommerce_seed_status_mapping()
        return True

    def action_activate(self):
        for backend in self.filtered(lambda b: b.channel == const.CHANNEL):
            if (
                not backend.woocommerce_store_url
                or not backend.woocommerce_credentials_set
            ):
                raise UserError(
                    _(
                        "Set the store URL, consumer key and consumer secret of "
                        "“%s” before activating it.",
                        backend.name,
                    )
                )
        return super().action_activate()

    def _woocommerce_status_mapping(self):
        """The connection's WooCommerce status -> canonical status table."""
        self.ensure_one()
        rows = self.woocommerce_status_mapping_ids
        if not rows:
            return dict(const.DEFAULT_STATUS_MAPPING)
        return {row.woocommerce_status: row.target for row in rows}

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

    @staticmethod
    def _woocommerce_notification(title, message, kind="success", sticky=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _woocommerce_call(self, method, *args, **kwargs):
        """Run one UI action against the store; show its error as a message."""
        try:
            return method(*args, **kwargs)
        except http_client.ChannelHttpError as exc:
            raise UserError(_("The store answered: %s", exc)) from exc

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

    # ------------------------------------------------------------------
    # Webhooks on the store
    # ------------------------------------------------------------------
    def action_woocommerce_register_webhooks(self):
        """Create (or re-activate) our webhooks on the store."""
        self.ensure_one()
        self._woocommerce_check_channel()
        created, updated = self._woocommerce_call(self._woocommerce_register_webhooks)
        message = _(
            "%(created)s webhooks created and %(updated)s re-activated on the store, "
            "delivering to %(url)s.",
            created=created,
            updated=updated,
            url=self.webhook_url,
        )
        warning = mappers.delivery_url_warning(self.webhook_url)
        if warning:
            message += " " + warning
        return self._woocommerce_notification(
            _("Webhooks registered"),
            message,
            kind="warning" if warning else "success",
            sticky=bool(warning),
        )

    def _woocommerce_register_webhooks(self):
        """Make every topic of ``WEBHOOK_TOPICS`` deliver to this connection.

        Returns (created, re-activated). The connection's webhook secret is
        given to the store (a new one is generated when none is set).
        """
        self.ensure_one()
        secret = self._get_secret("webhook_secret")
        if not secret:
            secret = secrets.token_urlsafe(32)
            self._set_secret("webhook_secret", secret)
        client = self._woocommerce_client()
        url = self.webhook_url
        ours = {
            webhook.get("topic"): webhook
            for webhook in client.list_webhooks()
            if webhook.get("delivery_url") == url
        }
        created = updated = 0
        for topic in api_const.WEBHOOK_TOPICS:
            name = f"{api_const.WEBHOOK_NAME_PREFIX} {self.name} {topic}"
            webhook = ours.get(topic)
            if webhook:
                # The secret is write-only on the store: send ours again.
                client.update_webhook(
                    webhook["id"], {"status": "active", "secret": secret, "name": name}
                )
                updated += 1
            else:
                client.create_webhook(
                    topic=topic, delivery_url=url, secret=secret, name=name
                )
                created += 1
        self._woocommerce_refresh_webhooks(client)
        self.message_post(
            body=_(
                "Webhooks registered on the store: %(created)s created, %(updated)s "
                "re-activated.",
                created=created,
                updated=updated,
            )
        )
        return created, updated

    def action_woocommerce_refresh_webhooks(self):
        """Read the store's webhooks and their status again."""
        self._woocommerce_check_channel()
        for backend in self:
            backend._woocommerce_call(backend._woocommerce_refresh_webhooks)
        return True

    def _woocommerce_refresh_webhooks(self, client=None):
        """Mirror the store's webhooks in ``retail.woocommerce.webhook``."""
        self.ensure_one()
        client = client or self._woocommerce_client()
        remote = client.list_webhooks()
        Webhook = self.env["retail.woocommerce.webhook"].sudo()
        existing = {
            webhook.external_id: webhook
            for webhook in Webhook.search([("backend_id", "=", self.id)])
        }
        kept = Webhook
        for data in remote:
            values = {
                "backend_id": self.id,
                "external_id": int(data["id"]),
                "name": data.get("name") or "",
                "topic": data.get("topic") or "",
                "status": data.get("status")
                if data.get("status") in api_const.WEBHOOK_STATUSES
                else "disabled",
                "delivery_url": data.get("delivery_url") or "",
                "is_ours": data.get("delivery_url") == self.webhook_url,
                "date_modified": self._woocommerce_modified_at(data),
            }
            webhook = existing.get(values["external_id"])
            if webhook:
                webhook.write(values)
            else:
                webhook = Webhook.create(values)
            kept |= webhook
        (Webhook.browse([w.id for w in existing.values()]) - kept).unlink()
        return kept

    def action_woocommerce_reenable_webhooks(self):
        """Re-activate our webhooks the store disabled after failed deliveries."""
        self._woocommerce_check_channel()
        count = 0
        for backend in self:
            count += backend._woocommerce_call(backend._woocommerce_reenable_webhooks)
        return self._woocommerce_notification(
            _("Webhooks"), _("%s disabled webhooks re-activated.", count)
        )

    def _woocommerce_reenable_webhooks(self, client=None):
        """Set our webhooks the store disabled active again; return how many.

        Paused ones were paused by a person on the store and stay paused.
        """
        self.ensure_one()
        client = client or self._woocommerce_client()
        webhooks = self._woocommerce_refresh_webhooks(client).filtered(
            lambda w: w.is_ours and w.status == "disabled"
        )
        for webhook in webhooks:
            client.update_webhook(webhook.external_id, {"status": "active"})
            webhook.status = "active"
        if webhooks:
            self.message_post(
                body=_(
                    "Re-activated the store webhooks %s, which the store had "
                    "stopped after failed deliveries.",
                    ", ".join(webhooks.mapped("topic")),
                )
            )
        return len(webhooks)

    def action_woocommerce_remove_webhooks(self):
        """Delete from the store the webhooks delivering to this connection."""
        self._woocommerce_check_channel()
        for backend in self:
            backend._woocommerce_call(backend._woocommerce_remove_webhooks)
        return True

    def _woocommerce_remove_webhooks(self, client=None):
        self.ensure_one()
        client = client or self._woocommerce_client()
        webhooks = self._woocommerce_refresh_webhooks(client).filtered("is_ours")
        for webhook in webhooks:
            client.delete_webhook(webhook.external_id)
        webhooks.unlink()
        self.message_post(body=_("%s webhooks removed from the store.", len(webhooks)))
        return len(webhooks)

    # ------------------------------------------------------------------
    # Webhook intake (hot path)
    # ------------------------------------------------------------------
    @staticmethod
    def _woocommerce_is_ping(headers, raw_body, form=None):
        """Whether a delivery is the store's unsigned creation ping.

        Odoo parses a form body before the webhook sees it, leaving the raw
        body empty: the ping is then recognised by its form content type, the
        absence of any delivery header and (when known) its ``webhook_id``.
        """
        if mappers.is_ping(raw_body, headers):
            return True
        if raw_body or any(
            headers.get(name)
            for name in (api_const.HEADER_TOPIC, api_const.HEADER_SIGNATURE)
        ):
            return False
        content_type = (headers.get("Content-Type") or "").lower()
        return content_type.startswith("application/x-www-form-urlencoded") and (
            form is None or "webhook_id" in form
        )

    def _webhook_verify(self, headers, raw_body, now):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._webhook_verify(headers, raw_body, now)
        if self._woocommerce_is_ping(headers, raw_body):
            # The store's creation ping is unsigned; it is answered and never
            # stored, so it cannot change anything.
            return
        secret = self._webhook_secret_for_verification()
        try:
            mappers.verify_webhook(secret, raw_body, headers)
        except signatures.SignatureError as exc:
            raise WebhookRejected(401, str(exc)) from exc

    def _webhook_parse(self, headers, raw_body, form):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._webhook_parse(headers, raw_body, form)
        if self._woocommerce_is_ping(headers, raw_body, form):
            webhook_id = mappers.ping_webhook_id(raw_body) or form.get("webhook_id")
            return inbound.InboundEvent(
                topic="ping", dedup_key=f"ping:{webhook_id}", is_ping=True
            )
        try:
            topic, _resource, _event, payload = mappers.parse_webhook(headers, raw_body)
        except mappers.WebhookPayloadError as exc:
            raise inbound.MalformedPayload(str(exc)) from exc
        return inbound.InboundEvent(
            topic=topic[:255],
            dedup_key=mappers.webhook_dedup_key(headers, payload),
            external_id=str(payload.get("id") or "")[:255],
            occurred_at=self._woocommerce_modified_at(payload),
        )

    @staticmethod
    def _woocommerce_modified_at(payload):
        """The resource's modification time (naive UTC), if it says one."""
        try:
            return canonical.parse_datetime(
                payload.get("date_modified_gmt") or payload.get("date_modified"),
                "date_modified_gmt",
            )
        except canonical.CanonicalError:
            return None

    # ------------------------------------------------------------------
    # Inbound processing (jobs)
    # ------------------------------------------------------------------
    def _process_inbound_exchange(self, exchange):
        self.ensure_one()
        if self.channel == const.CHANNEL and exchange.topic.startswith("product."):
            return self._woocommerce_apply_product_event(exchange)
        return super()._process_inbound_exchange(exchange)

    @staticmethod
    def _woocommerce_payload(exchange):
        try:
            return inbound.load_json_object(exchange.payload.encode())
        except inbound.MalformedPayload as exc:
            raise canonical.CanonicalError("", str(exc)) from exc

    def _map_inbound(self, exchange):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._map_inbound(exchange)
        resource, _sep, event = exchange.topic.partition(".")
        if resource != "order":
            return None
        payload = self._woocommerce_payload(exchange)
        if event == "deleted":
            return self._woocommerce_map_deleted_order(payload)
        order = mappers.order_to_canonical(payload, self._woocommerce_status_mapping())
        return [order, *self._woocommerce_new_refunds(order, payload)]

    def _woocommerce_sale_order(self, order_id):
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("retail_backend_id", "=", self.id),
                    ("retail_external_id", "=", str(order_id)),
                ],
                limit=1,
            )
        )

    def _woocommerce_map_deleted_order(self, payload):
        """``order.deleted`` carries only the id: the order went to the trash.

        The trashed order is read back and applied as a cancellation; an
        order never imported has nothing to cancel.
        """
        order_id = str(payload.get("id") or "")
        sale = self._woocommerce_sale_order(order_id)
        if not sale:
            return None
        try:
            data = self._woocommerce_client().get_order(order_id)
        except wc_client.WooCommerceError as exc:
            if exc.status not in (404, 410):
                raise
            # Deleted for good: there is no state left to read.
            if sale.state != "cancel":
                sale.with_context(disable_cancel_warning=True)._action_cancel()
            return None
        order = mappers.order_to_canonical(data, self._woocommerce_status_mapping())
        # The topic is authoritative, whatever the mapping says of "trash".
        return dataclasses.replace(order, status="cancelled")

    def _woocommerce_new_refunds(self, order, payload):
        """Canonical refunds (with their lines) not yet turned into credit notes.

        An order event lists refunds by id only; each new one is read from the
        store for its lines, oldest first.
        """
        if not order.refunds:
            return []
        known = set(
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("retail_backend_id", "=", self.id),
                    (
                        "retail_external_refund_id",
                        "in",
                        [refund.external_id for refund in order.refunds],
                    ),
                ]
            )
            .mapped("retail_external_refund_id")
        )
        todo = sorted(
            (refund for refund in order.refunds if refund.external_id not in known),
            key=lambda refund: (
                int(refund.external_id) if refund.external_id.isdigit() else 0
            ),
        )
        if not todo:
            return []
        client = self._woocommerce_client()
        include_tax = bool(payload.get("prices_include_tax"))
        return [
            mappers.refund_to_canonical(
                client.get_refund(order.external_id, refund.external_id),
                order.external_id,
                prices_include_tax=include_tax,
            )
            for refund in todo
        ]

    def _woocommerce_apply_product_event(self, exchange):
        """Keep product bindings in step with the store's catalog.

        A deleted product loses its binding; a created or updated one whose SKU
        is an Odoo product gets bound, so its stock is pushed from then on.
        """
        payload = self._woocommerce_payload(exchange)
        external_id = str(payload.get("id") or "")
        Binding = self.env["retail.product.binding"].sudo()
        bindings = Binding.search(
            [("backend_id", "=", self.id), ("external_id", "=", external_id)]
        )
        if exchange.topic == "product.deleted":
            bindings.unlink()
            return None
        sku = (payload.get("sku") or "").strip()
        parent = str(payload.get("parent_id") or "")
        parent = "" if parent == "0" else parent
        if bindings:
            bindings.write(
                {
                    "external_sku": sku or bindings.external_sku,
                    "external_parent_id": parent or bindings.external_parent_id,
                    "sync_date": fields.Datetime.now(),
                }
            )
            return bindings
        if not sku or payload.get("type") == "variable":
            return None
        try:
            product = ProductResolver(self.env, self).resolve(sku)
        except RetailBusinessError:
            return None
        if Binding.search_count(
            [("backend_id", "=", self.id), ("product_id", "=", product.id)]
        ):
            return None
        return Binding.create(
            {
                "backend_id": self.id,
                "product_id": product.id,
                "external_id": external_id,
                "external_parent_id": parent or False,
                "external_sku": sku,
                "sync_date": fields.Datetime.now(),
            }
        )

    # ------------------------------------------------------------------
    # Polling: reconciliation and first imports
    # ------------------------------------------------------------------
    def _woocommerce_feed_order(self, payload, source="reconciliation"):
        """Store a polled order as an inbound exchange and queue it.

        The same exchange and processing path as a webhook delivery. The
        dedup key is the order id and modification time, so polling the same
        state twice stores it once; an order whose state is already applied or
        already received by webhook is not stored at all. Returns True when a
        new exchange was stored.
        """
        self.ensure_one()
        order_id = str(payload.get("id") or "")
        if not order_id or payload.get("status") in const.SKIPPED_ORDER_STATUSES:
            return False
        modified = self._woocommerce_modified_at(payload)
        if modified:
            sale = self._woocommerce_sale_order(order_id)
            if sale.retail_updated_at and sale.retail_updated_at >= modified:
                return False
            Exchange = self.env["retail.exchange"].sudo()
            if Exchange.search_count(
                [
                    ("backend_id", "=", self.id),
                    ("direction", "=", "inbound"),
                    ("external_id", "=", order_id),
                    ("topic", "=like", "order.%"),
                    ("occurred_at", ">=", modified),
                ],
                limit=1,
            ):
                return False
        event = inbound.InboundEvent(
            topic="order.updated",
            dedup_key=f"{const.POLL_DEDUP_PREFIX}:{order_id}:{modified or ''}",
            external_id=order_id,
            occurred_at=modified,
        )
        raw_body = json.dumps(payload, separators=(",", ":")).encode()
        exchange = (
            self.env["retail.exchange"]
            .sudo()
            ._insert_inbound(self, event, {"X-Retail-Source": source}, raw_body)
        )
        if not exchange:
            return False
        if self.state == "active":
            exchange._enqueue_processing()
        return True

    def _woocommerce_import_orders(self, modified_after, source="reconciliation"):
        """Feed every order modified after `modified_after`; return (read, fed)."""
        self.ensure_one()
        client = self._woocommerce_client()
        read = fed = 0
        for payload in client.iter_orders(modified_after=modified_after):
            read += 1
            fed += bool(self._woocommerce_feed_order(payload, source=source))
        return read, fed

    def _reconcile_job(self):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._reconcile_job()
        started = fields.Datetime.now()
        checkpoint = self.import_checkpoint or started
        since = checkpoint - timedelta(minutes=max(0, self.reread_window))
        try:
            read, fed = self._woocommerce_import_orders(since)
            reenabled = self._woocommerce_reenable_webhooks()
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
            raise UserError(str(exc)) from exc
        # The run's start, not its end: what changed while paging is re-read
        # by the next run.
        self.sudo().import_checkpoint = started
        return _(
            "%(read)s orders read since %(since)s, %(fed)s queued; %(hooks)s "
            "webhooks re-activated.",
            read=read,
            since=since,
            fed=fed,
            hooks=reenabled,
        )

    def _woocommerce_import_orders_job(self, since):
        """Job: first import of the orders modified since `since`."""
        self.ensure_one()
        try:
            read, fed = self._woocommerce_import_orders(since, source="import")
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
            raise UserError(str(exc)) from exc
        if not self.import_checkpoint:
            self.sudo().import_checkpoint = fields.Datetime.now()
        return _("%(read)s orders read, %(fed)s queued.", read=read, fed=fed)

    def action_woocommerce_import_orders(self):
        """Open the "Import orders since…" wizard."""
        self.ensure_one()
        self._woocommerce_check_channel()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Orders"),
            "res_model": "retail.woocommerce.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }

    # ------------------------------------------------------------------
    # Catalog
    # ------------------------------------------------------------------
    def action_woocommerce_link_catalog(self):
        """Link the store's products to Odoo products by SKU (in the background)."""
        self._woocommerce_check_channel()
        for backend in self:
            backend.with_delay(
                channel=base_const.JOB_CHANNEL_BATCH,
                identity_key=f"retail-woo-catalog-{backend.id}",
                description=_("Link the catalog of %s", backend.name),
            )._woocommerce_link_catalog_job()
        return self._woocommerce_notification(
            _("Catalog linking started"),
            _(
                "The store's products are being read and linked by SKU; the "
                "unmatched ones will be listed under Unmatched Store Products."
            ),
        )

    def _woocommerce_link_catalog_job(self):
        """Job: link the store's catalog by SKU."""
        self.ensure_one()
        try:
            counts = self._woocommerce_link_catalog()
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
            raise UserError(str(exc)) from exc
        return _(
            "%(matched)s store products linked, %(other)s not linked.",
            matched=counts.get("matched", 0),
            other=sum(n for state, n in counts.items() if state != "matched"),
        )

    def _woocommerce_store_catalog(self, client):
        """Every sellable product and variation of the store, flattened."""
        entries = []
        for product in client.iter_products():
            variations = (
                list(client.iter_variations(product["id"]))
                if product.get("type") == "variable"
                else []
            )
            for entry in mappers.catalog_entries(product, variations):
                # A variable product is sold through its variations only.
                if entry["type"] != "variable":
                    entries.append(entry)
        return entries

    def _woocommerce_link_catalog(self):
        """Bind store products and variations to Odoo products by SKU.

        Every store entry is listed in ``retail.woocommerce.catalog.item`` with
        the outcome, so the unmatched ones can be worked through. Returns the
        number of entries per outcome.
        """
        self.ensure_one()
        entries = self._woocommerce_store_catalog(self._woocommerce_client())
        Binding = self.env["retail.product.binding"].sudo()
        bindings = Binding.search([("backend_id", "=", self.id)])
        by_external = {binding.external_id: binding for binding in bindings}
        by_product = {binding.product_id.id: binding for binding in bindings}
        resolver = ProductResolver(self.env, self)
        now = fields.Datetime.now()
        items, counts = [], {}
        for entry in entries:
            product, state, note = self._woocommerce_match_entry(
                entry, resolver, by_external, by_product
            )
            if product:
                values = {
                    "product_id": product.id,
                    "external_id": entry["external_id"],
                    "external_parent_id": entry["parent_id"] or False,
                    "external_sku": entry["sku"],
                    "sync_date": now,
                }
                binding = by_external.get(entry["external_id"])
                if binding:
                    binding.write(values)
                else:
                    binding = Binding.create(dict(values, backend_id=self.id))
                    by_external[entry["external_id"]] = binding
                by_product[product.id] = binding
            counts[state] = counts.get(state, 0) + 1
            items.append(
                {
                    "backend_id": self.id,
                    "external_id": entry["external_id"],
                    "external_parent_id": entry["parent_id"] or False,
                    "sku": entry["sku"],
                    "name": entry["name"],
                    "product_type": entry["type"],
                    "product_id": product.id if product else False,
                    "state": state,
                    "note": note,
                }
            )
        CatalogItem = self.env["retail.woocommerce.catalog.item"].sudo()
        CatalogItem.search([("backend_id", "=", self.id)]).unlink()
        CatalogItem.create(items)
        self.sudo().woocommerce_catalog_linked_at = now
        return counts

    def _woocommerce_match_entry(self, entry, resolver, by_external, by_product):
        """Return (product or None, state, note) for one store catalog entry."""
        bound = by_external.get(entry["external_id"])
        if bound:
            # An existing link (possibly made by hand) stays authoritative.
            return bound.product_id, "matched", False
        if not entry["sku"]:
            return None, "no_sku", _("Give it a SKU in the store.")
        try:
            product = resolver.resolve(entry["sku"], entry["name"])
        except RetailBusinessError as exc:
            homonyms = self.env["product.product"].search_count(
                [
                    "|",
                    ("default_code", "=", entry["sku"]),
                    ("barcode", "=", entry["sku"]),
                    ("company_id", "in", (False, self.company_id.id)),
                ]
            )
            return None, "ambiguous" if homonyms > 1 else "unmatched", str(exc)
        current = by_product.get(product.id)
        if current and current.external_id != entry["external_id"]:
            return (
                None,
                "conflict",
                _(
                    "%(product)s is already linked to store product %(other)s: "
                    "one SKU is used twice in the store.",
                    product=product.display_name,
                    other=current.external_id,
                ),
            )
        return product, "matched", False

    def action_woocommerce_open_unmatched(self):
        """List the store products that are not linked to an Odoo product."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_woocommerce.action_retail_woocommerce_catalog_item"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _export_stock(self, items):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_stock(items)
        errors, levels, parents, by_item = {}, [], {}, {}
        for binding, quantity in items:
            if not (binding.external_id or "").isdigit():
                errors[binding.id] = _(
                    "Not linked to a store product: link the catalog first."
                )
                continue
            levels.append(
                canonical.StockLevel(
                    binding.external_sku or "", int(quantity), binding.external_id
                )
            )
            parents[binding.external_id] = binding.external_parent_id or ""
            by_item[int(binding.external_id)] = binding
        if not levels:
            return errors
        groups = mappers.stock_updates_by_endpoint(levels, parents)
        client = self._woocommerce_client()
        exchange = self._record_outbound("stock.batch", groups)
        try:
            refused = self._woocommerce_batch_update(client, groups, by_item)
        except http_client.ChannelHttpError as exc:
            exchange._mark_failed("technical", str(exc))
            raise
        errors.update(refused)
        exchange._mark_done(
            result=_(
                "%(sent)s quantities sent, %(refused)s refused by the store.",
                sent=len(levels),
                refused=len(refused),
            )
        )
        return errors

    def _woocommerce_batch_update(self, client, groups, by_item):
        """Send ``{parent id or "": [update items]}`` to the batch endpoints.

        Returns ``{binding id: error}`` for the items the store refused. A
        request refused as a whole (a parent product deleted from the store,
        say) fails its own items only; an outage raises, so that the job is
        retried and nothing is lost.
        """
        errors = {}
        for parent, updates in groups.items():
            try:
                if parent:
                    result = client.batch_variations(parent, update=updates)
                else:
                    result = client.batch_products(update=updates)
            except http_client.ChannelHttpError as exc:
                if exc.retryable:
                    raise
                for item in updates:
                    errors[by_item[item["id"]].id] = str(exc)
                continue
            for error in result.errors:
                item_id = error.item.get("id") or error.id
                binding = by_item.get(int(item_id)) if item_id else None
                if binding:
                    errors[binding.id] = f"{error.message} ({error.code})"
        return errors

    # ------------------------------------------------------------------
    # Prices
    # ------------------------------------------------------------------
    @api.model
    def _notify_price_change(self, products):
        """Schedule price pushes of `products` where prices follow changes."""
        if not products:
            return
        backends = self.sudo().search(
            [
                ("channel", "=", const.CHANNEL),
                ("state", "=", "active"),
                ("woocommerce_export_prices", "=", True),
                ("pricelist_id", "!=", False),
            ]
        )
        for backend in backends:
            backend._woocommerce_schedule_price_export(products)

    @api.model
    def _notify_pricelist_change(self, pricelists):
        """A pricelist changed: reprice everything bound where it is used."""
        backends = self.sudo().search(
            [
                ("channel", "=", const.CHANNEL),
                ("state", "=", "active"),
                ("woocommerce_export_prices", "=", True),
                ("pricelist_id", "in", pricelists.ids),
            ]
        )
        for backend in backends:
            backend._woocommerce_schedule_price_export()

    def action_woocommerce_push_prices(self):
        """Push the pricelist price of every bound product now (coalesced)."""
        self._woocommerce_check_channel()
        for backend in self:
            if not backend.pricelist_id:
                raise UserError(
                    _("Set the pricelist of “%s” to push prices.", backend.name)
                )
            count = backend._woocommerce_schedule_price_export(delay=0)
        return self._woocommerce_notification(
            _("Prices"), _("%s prices will be pushed in a moment.", count)
        )

    def _woocommerce_schedule_price_export(self, products=None, delay=None):
        """Mark bindings' prices pending and queue the connection's price job.

        One job per connection (identity key): whichever change comes first
        queues it and later ones are pushed with it. Returns how many bindings
        were marked.
        """
        self.ensure_one()
        Binding = self.env["retail.product.binding"].sudo()
        domain = [("backend_id", "=", self.id)]
        if products is not None:
            domain.append(("product_id", "in", products.ids))
        bindings = Binding.search(domain)
        if not bindings:
            return 0
        Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE retail_product_binding SET woocommerce_price_pending = true"
                " WHERE id IN %s",
                tuple(bindings.ids),
            )
        )
        bindings.invalidate_recordset(["woocommerce_price_pending"])
        delay = self.stock_export_delay if delay is None else delay
        self.with_delay(
            channel=base_const.JOB_CHANNEL_OUTBOUND,
            eta=fields.Datetime.now() + timedelta(seconds=max(0, delay)),
            identity_key=f"retail-woo-prices-{self.id}",
            description=_("Push prices to %s", self.name),
        )._woocommerce_export_prices_job()
        return len(bindings)

    def _woocommerce_prices(self, products):
        """Price of each product for the store: the pricelist's, taxes per setting."""
        self.ensure_one()
        pricelist = self.pricelist_id.with_company(self.company_id)
        currency = pricelist.currency_id
        prices = {}
        for product in products.with_company(self.company_id):
            price = pricelist._get_product_price(product, 1.0)
            if self.woocommerce_price_include_tax:
                taxes = product.taxes_id._filter_taxes_by_company(self.company_id)
                price = taxes.compute_all(price, currency, 1.0, product=product)[
                    "total_included"
                ]
            prices[product.id] = currency.round(price)
        return prices

    def _woocommerce_export_prices_job(self):
        """Job: push the pending prices of this connection in batches."""
        self.ensure_one()
        if self.state != "active":
            return _("Nothing to do: the connection is not active.")
        Binding = self.env["retail.product.binding"].sudo()
        Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM retail_product_binding WHERE backend_id = %s"
                " AND woocommerce_price_pending ORDER BY id FOR UPDATE SKIP LOCKED",
                self.id,
            )
        )
        bindings = Binding.browse([row[0] for row in self.env.cr.fetchall()])
        if not bindings:
            return _("Nothing to do: already pushed by another job.")
        if not self.pricelist_id:
            bindings.write({"woocommerce_price_pending": False})
            return _("Nothing to do: the connection has no pricelist.")
        prices = self._woocommerce_prices(bindings.product_id)
        errors, groups, by_item = {}, {}, {}
        for binding in bindings:
            if not (binding.external_id or "").isdigit():
                errors[binding.id] = _("Not linked to a store product.")
                continue
            item = {
                "id": int(binding.external_id),
                "regular_price": _money_text(prices[binding.product_id.id]),
            }
            groups.setdefault(binding.external_parent_id or "", []).append(item)
            by_item[item["id"]] = binding
        client = self._woocommerce_client()
        exchange = self._record_outbound("product.prices", groups)
        try:
            errors.update(self._woocommerce_batch_update(client, groups, by_item))
        except http_client.ChannelHttpError as exc:
            exchange._mark_failed("technical", str(exc))
            # The claim is rolled back with the job: the prices stay pending.
            raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
        now = fields.Datetime.now()
        for binding in bindings:
            error = errors.get(binding.id)
            values = {
                "woocommerce_price_pending": False,
                "woocommerce_price_error": error or False,
            }
            if not error:
                values.update(
                    woocommerce_exported_price=prices[binding.product_id.id],
                    woocommerce_price_exported_at=now,
                )
            binding.write(values)
        exchange._mark_done(
            result=_(
                "%(sent)s prices sent, %(refused)s refused.",
                sent=len(bindings) - len(errors),
                refused=len(errors),
            )
        )
        return exchange.result

    # ------------------------------------------------------------------
    # Publishing products
    # ------------------------------------------------------------------
    def _woocommerce_product_data(self, template, status):
        """The template as the plain dict ``mappers.product_payload`` takes."""
        self.ensure_one()
        variants = template.product_variant_ids
        prices = (
            self._woocommerce_prices(variants)
            if self.pricelist_id
            else {variant.id: variant.lst_price for variant in variants}
        )
        quantities = self._get_available_quantities(variants)
        bindings = {
            binding.product_id.id: binding
            for binding in self.env["retail.product.binding"]
            .sudo()
            .search([("backend_id", "=", self.id), ("product_id", "in", variants.ids)])
        }
        missing = variants.filtered(lambda v: not v.default_code)
        if missing:
            raise UserError(
                _(
                    "Give these products an internal reference (the store SKU) "
                    "first: %s",
                    ", ".join(missing.mapped("display_name")),
                )
            )
        data = {
            "name": template.name,
            "description": template.description_sale or "",
            "status": status,
            "weight": template.weight or None,
        }
        attribute_lines = template.attribute_line_ids.filtered(
            lambda line: line.attribute_id.create_variant != "no_variant"
        )
        if len(variants) == 1 and not attribute_lines:
            variant = variants
            data.update(
                sku=variant.default_code,
                regular_price=prices[variant.id],
                manage_stock=variant.is_storable,
                stock_quantity=quantities[variant.id] if variant.is_storable else None,
            )
            return data, bindings
        data["sku"] = template.default_code or ""
        data["attributes"] = [
            {"name": line.attribute_id.name, "values": line.value_ids.mapped("name")}
            for line in attribute_lines
        ]
        data["variants"] = [
            {
                "sku": variant.default_code,
                "attributes": {
                    value.attribute_id.name: value.name
                    for value in variant.product_template_attribute_value_ids
                },
                "regular_price": prices[variant.id],
                "manage_stock": variant.is_storable,
                "stock_quantity": quantities[variant.id]
                if variant.is_storable
                else None,
                "external_id": bindings[variant.id].external_id
                if variant.id in bindings
                else "",
            }
            for variant in variants
        ]
        return data, bindings

    def _woocommerce_publish_template(self, template, status="publish"):
        """Create or update `template` on the store, simple or variable.

        Variants are bound to the store's product or variations, so their
        stock and prices are pushed from then on. Returns a summary.
        """
        self.ensure_one()
        template.ensure_one()
        data, bindings = self._woocommerce_product_data(template, status)
        try:
            body = mappers.product_payload(data)
            variations = mappers.variation_payloads(data) if "variants" in data else []
        except canonical.CanonicalError as exc:
            raise UserError(str(exc)) from exc
        client = self._woocommerce_client()
        Binding = self.env["retail.product.binding"].sudo()
        now = fields.Datetime.now()
        variants = template.product_variant_ids
        if not variations:
            binding = bindings.get(variants.id)
            if (
                binding
                and (binding.external_id or "").isdigit()
                and not binding.external_parent_id
            ):
                product = client.update_product(binding.external_id, body)
            else:
                product = client.create_product(body)
            values = {
                "backend_id": self.id,
                "product_id": variants.id,
                "external_id": str(product["id"]),
                "external_parent_id": False,
                "external_sku": product.get("sku") or data["sku"],
                "sync_date": now,
            }
            if binding:
                binding.write(values)
            else:
                Binding.create(values)
            return _(
                "%(name)s is on the store as product %(id)s.",
                name=template.name,
                id=product["id"],
            )
        parents = {
            b.external_parent_id for b in bindings.values() if b.external_parent_id
        }
        parent_id = parents.pop() if len(parents) == 1 else None
        if parent_id:
            product = client.update_product(parent_id, body)
        else:
            product = client.create_product(body)
            parent_id = str(product["id"])
        result = client.batch_variations(
            parent_id,
            create=[item for item in variations if "id" not in item],
            update=[item for item in variations if "id" in item],
        )
        by_sku = {variant.default_code: variant for variant in variants}
        for answer in (*result.created, *result.updated):
            variant = by_sku.get(answer.get("sku"))
            if not variant:
                continue
            values = {
                "backend_id": self.id,
                "product_id": variant.id,
                "external_id": str(answer["id"]),
                "external_parent_id": parent_id,
                "external_sku": answer.get("sku"),
                "sync_date": now,
            }
            if variant.id in bindings:
                bindings[variant.id].write(values)
            else:
                Binding.create(values)
        message = _(
            "%(name)s is on the store as variable product %(id)s with %(count)s "
            "variations.",
            name=template.name,
            id=parent_id,
            count=len(result.created) + len(result.updated),
        )
        if result.errors:
            message += " " + _(
                "Refused by the store: %s",
                "; ".join(
                    f"{error.item.get('sku') or error.id}: {error.message}"
                    for error in result.errors
                ),
            )
        return message

    # ------------------------------------------------------------------
    # Fulfilment, cancellation, refunds
    # ------------------------------------------------------------------
    def _export_shipment(self, picking):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_shipment(picking)
        order = picking.sale_id
        order_id = order.retail_external_id
        note = mappers.shipment_note(
            picking.carrier_id.name or "",
            picking.carrier_tracking_ref or "",
            picking.carrier_tracking_url or "",
        )
        # A partial delivery announces its parcel; the order is completed on
        # the store once nothing is left to ship.
        complete = not order.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
        )
        client = self._woocommerce_client()
        exchange = self._record_outbound(
            "order.completed" if complete else "order.shipped",
            {"status": "completed" if complete else None, "note": note},
            external_id=order_id,
            record=picking,
        )
        try:
            # Notes cannot be deduplicated by the store: a retried job must
            # not announce the same parcel twice.
            notes = client.request("GET", f"orders/{int(order_id)}/notes").json() or []
            if note not in {
                entry.get("note") for entry in notes if isinstance(entry, dict)
            }:
                client.add_order_note(order_id, note, customer_note=True)
            if complete and client.get_order(order_id).get("status") != "completed":
                client.update_order(order_id, {"status": "completed"})
        except http_client.ChannelHttpError as exc:
            exchange._mark_failed(
                "technical" if exc.retryable else "business", str(exc)
            )
            raise
        result = (
            _("Store order %s completed with the tracking note.", order_id)
            if complete
            else _("Tracking note added to store order %s.", order_id)
        )
        exchange._mark_done(picking, result=result)
        return result

    def _export_order_cancel(self, order):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_order_cancel(order)
        order_id = order.retail_external_id
        client = self._woocommerce_client()
        if client.get_order(order_id).get("status") in const.FINAL_ORDER_STATUSES:
            return _("Nothing to do: store order %s is already closed.", order_id)
        exchange = self._record_outbound(
            "order.cancelled",
            {"status": "cancelled"},
            external_id=order_id,
            record=order,
        )
        try:
            client.update_order(order_id, {"status": "cancelled"})
        except http_client.ChannelHttpError as exc:
            exchange._mark_failed(
                "technical" if exc.retryable else "business", str(exc)
            )
            raise
        result = _("Store order %s cancelled.", order_id)
        exchange._mark_done(order, result=result)
        return result

    def _export_refund(self, move):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_refund(move)
        order = move._retail_channel_order()
        order_id = order.retail_external_id
        client = self._woocommerce_client()
        # The reason starts with the credit note's number: a refund created by
        # an earlier attempt whose answer was lost is found, not made twice.
        for refund in client.list_refunds(order_id):
            if (refund.get("reason") or "").startswith(move.name):
                return str(refund["id"])
        store_order = client.get_order(order_id)
        payload = self._woocommerce_refund_payload(move, store_order)
        exchange = self._record_outbound(
            "refund.created", payload, external_id=order_id, record=move
        )
        try:
            refund = client.create_refund(order_id, payload)
        except http_client.ChannelHttpError as exc:
            # The store says these before doing anything: retrying would only
            # be refused again, a person must look at them.
            if exc.code in (
                api_const.ERROR_CANNOT_CREATE_REFUND,
                api_const.ERROR_INVALID_REFUND,
            ):
                exc.retryable = False
            exchange._mark_failed(
                "technical" if exc.retryable else "business", str(exc)
            )
            raise
        exchange._mark_done(
            move, result=_("Store refund %s created.", refund.get("id"))
        )
        return str(refund["id"])

    def _woocommerce_refund_payload(self, move, store_order):
        """Body of the store refund of credit note `move`."""
        include_tax = bool(store_order.get("prices_include_tax"))
        lines = []
        for line in move.invoice_line_ids.filtered(
            lambda item: item.display_type == "product"
        ):
            sale_lines = line.sale_line_ids.filtered(
                lambda s: (s.retail_external_line_id or "").isdigit()
            )
            if not sale_lines or not line.quantity:
                continue
            lines.append(
                {
                    "line_external_id": sale_lines[0].retail_external_line_id,
                    "sku": line.product_id.default_code or "",
                    "quantity": line.quantity,
                    "amount": str(
                        line.price_total if include_tax else line.price_subtotal
                    ),
                }
            )
        refunded = sum(
            (
                abs(Decimal(str(entry.get("total") or 0)))
                for entry in store_order.get("refunds") or []
            ),
            Decimal(0),
        )
        remaining = Decimal(str(store_order.get("total") or 0)) - refunded
        amount = Decimal(str(move.amount_total)).quantize(CENT, ROUND_HALF_UP)
        if amount > remaining:
            raise UserError(
                _(
                    "Credit note %(move)s (%(amount)s) is more than what is left to "
                    "refund on store order %(order)s (%(remaining)s).",
                    move=move.name,
                    amount=amount,
                    order=store_order.get("id"),
                    remaining=remaining,
                )
            )
        reason = move.name
        if move.ref:
            reason = f"{reason}: {move.ref}"
        try:
            return mappers.refund_payload(
                amount,
                reason,
                lines,
                api_refund=self.woocommerce_api_refund,
                # Odoo owns the stock and pushes absolute quantities: a
                # restock on the store would only be overwritten.
                api_restock=False,
                order=store_order,
            )
        except canonical.CanonicalError as exc:
            raise UserError(str(exc)) from exc
