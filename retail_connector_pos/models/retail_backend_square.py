"""A Square seller account as a channel: credentials, webhooks, stores.

Square signs the exact notification URL of the subscription followed by the
raw body; the URL is kept on the connection when the subscription is made
and never rebuilt from the request. Every event has an ``event_id``; sales
made at a store's till fire payment events only, which name their order.
"""

import uuid

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.utils import secret_field, secret_set_field

from .. import const
from ..tools import square
from ..tools.square_client import SquareClient


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    channel = fields.Selection(
        selection_add=[(const.CHANNEL, "Square Point of Sale")],
        ondelete={const.CHANNEL: "cascade"},
    )
    square_api_url = fields.Char(
        string="Square API URL",
        default=const.DEFAULT_API_URL,
        help="https://connect.squareup.com in production, "
        "https://connect.squareupsandbox.com for Square's sandbox.",
    )
    square_access_token = secret_field(
        const.SECRET_ACCESS_TOKEN,
        string="Access Token",
        help="The seller's access token (Square Developer › Credentials). "
        "Write-only: stored encrypted, never shown again.",
    )
    square_access_token_set = secret_set_field(const.SECRET_ACCESS_TOKEN)
    square_notification_url = fields.Char(
        string="Notification URL",
        copy=False,
        help="The exact URL the webhook subscription delivers to: Square signs "
        "it with each body. Set by Register webhooks; change it only with the "
        "subscription (behind a proxy, the public address Square calls).",
    )
    square_subscription_id = fields.Char(
        string="Subscription", readonly=True, copy=False
    )

    # ------------------------------------------------------------------
    # The channel contract
    # ------------------------------------------------------------------
    def _channel_features(self):
        if self.channel != const.CHANNEL:
            return super()._channel_features()
        return frozenset(
            {
                base_const.FEATURE_WEBHOOKS,
                base_const.FEATURE_WEBHOOK_SUBSCRIPTION,
                base_const.FEATURE_ORDERS,
                base_const.FEATURE_POLLING,
                base_const.FEATURE_CONNECTION_TEST,
                base_const.FEATURE_LOCATIONS,
                base_const.FEATURE_STOCK_EXPORT,
                base_const.FEATURE_CATALOG,
            }
        )

    def _channel_sensitive_headers(self):
        if self.channel != const.CHANNEL:
            return super()._channel_sensitive_headers()
        return frozenset({square.SIGNATURE_HEADER})

    def _channel_check_ready(self):
        if self.channel != const.CHANNEL:
            return super()._channel_check_ready()
        if not self.square_api_url or not self._get_secret(const.SECRET_ACCESS_TOKEN):
            raise UserError(
                _("Set the Square API URL and access token of “%s” first.", self.name)
            )
        stores = self.location_mapping_ids.filtered("active")
        if not stores or not all(store.pos_config_id for store in stores):
            raise UserError(
                _(
                    "Map each Square location of “%s” to a store (a point of sale "
                    "with its warehouse and payment methods) first: Test "
                    "connection lists them, Create Point of Sale sets one up.",
                    self.name,
                )
            )

    def _square_client(self):
        self.ensure_one()
        token = self._get_secret(const.SECRET_ACCESS_TOKEN)
        if not token or not self.square_api_url:
            raise UserError(
                _("Set the Square API URL and access token of “%s” first.", self.name)
            )
        http = self._http_client(
            self.square_api_url,
            headers={
                "Authorization": f"Bearer {token}",
                square.VERSION_HEADER: square.API_VERSION,
            },
            secrets=(token,),
        )
        return SquareClient(http)

    # Connection -----------------------------------------------------------
    def _test_connection(self):
        if self.channel != const.CHANNEL:
            return super()._test_connection()
        self.ensure_one()
        locations = self._square_client().locations()
        self._square_sync_locations(locations)
        names = ", ".join(
            f"{location.get('name') or location.get('id')} ({location.get('id')})"
            for location in locations
        )
        return _(
            "Connected to Square: %(count)s locations: %(names)s.",
            count=len(locations),
            names=names or "-",
        )

    def _square_sync_locations(self, locations):
        """Keep one store row per Square location: name, time zone, currency.

        A new location gets the connection's warehouse until a person maps
        it; its point of sale is set up with *Create Point of Sale*.
        """
        Store = self.env["retail.location.mapping"].with_context(active_test=False)
        known = {
            store.location_code: store
            for store in self.with_context(active_test=False).location_mapping_ids
        }
        for location in locations:
            code = location.get("id")
            if not isinstance(code, str) or not code:
                continue
            values = {
                "name": location.get("name") or code,
                "pos_timezone": location.get("timezone") or "UTC",
                "pos_currency_code": location.get("currency") or "",
                "active": location.get("status", "ACTIVE") == "ACTIVE",
            }
            if code in known:
                known[code].write(values)
            elif self.warehouse_id:
                Store.create(
                    {
                        **values,
                        "backend_id": self.id,
                        "location_code": code,
                        "warehouse_id": self.warehouse_id.id,
                    }
                )

    # Webhooks -------------------------------------------------------------
    def _webhook_verify(self, delivery):
        if self.channel != const.CHANNEL:
            return super()._webhook_verify(delivery)
        square.check_signature(
            self._webhook_secret_for_verification(),
            self.square_notification_url or self.webhook_url,
            delivery.raw_body,
            square.signature_header(delivery.headers),
        )

    def _webhook_parse(self, delivery):
        if self.channel != const.CHANNEL:
            return super()._webhook_parse(delivery)
        return square.event_from_body(delivery.raw_body)

    def _webhook_subscribe(self, secret):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscribe(secret)
        client = self._square_client()
        url = self.webhook_url
        ours = [
            row
            for row in self._channel_call(client.subscriptions)
            if row.get("notification_url") == url
        ]
        kept = [row for row in ours if row.get("id") == self.square_subscription_id]
        if kept:
            row = kept[0]
            if not row.get("enabled") or set(row.get("event_types") or ()) != set(
                square.EVENT_TYPES
            ):
                self._channel_call(
                    client.update_subscription,
                    row["id"],
                    {"enabled": True, "event_types": list(square.EVENT_TYPES)},
                )
            self.sudo().write(
                {"square_subscription_id": row["id"], "square_notification_url": url}
            )
            return _("Square already delivers to this connection: subscription kept.")
        for row in ours:
            # Not ours, or its signature key is lost (shown once): replace it.
            self._channel_call(client.delete_subscription, row["id"])
        created = self._channel_call(
            client.subscribe,
            const.SUBSCRIPTION_NAME,
            square.EVENT_TYPES,
            url,
            str(uuid.uuid4()),
        )
        key = created.get("signature_key")
        if not key:
            raise UserError(
                _("Square created the subscription without a signature key.")
            )
        self._set_secret(const.SECRET_SIGNATURE_KEY, key)
        self.sudo().write(
            {
                "square_subscription_id": created.get("id") or "",
                "square_notification_url": url,
            }
        )
        return _(
            "Square delivers %(count)s kinds of events to %(url)s.",
            count=len(square.EVENT_TYPES),
            url=url,
        )

    def _webhook_subscriptions_read(self):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscriptions_read()
        rows = self._channel_call(self._square_client().subscriptions)
        return [
            {
                "external_id": row.get("id"),
                "topic": ", ".join(row.get("event_types") or ()),
                "status": "active" if row.get("enabled") else "disabled",
                "delivery_url": row.get("notification_url") or "",
                "name": row.get("name") or "",
            }
            for row in rows
            if row.get("id")
        ]

    def _webhook_subscription_set_active(self, subscription):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscription_set_active(subscription)
        self._channel_call(
            self._square_client().update_subscription,
            subscription.external_id,
            {"enabled": True},
        )

    def _webhook_subscription_delete(self, subscription):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscription_delete(subscription)
        self._channel_call(
            self._square_client().delete_subscription, subscription.external_id
        )
