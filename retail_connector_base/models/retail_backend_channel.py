"""The channel contract: every hook a channel addon implements, with its default.

A channel addon adds its code to ``retail.backend.channel`` and overrides the
hooks below behind a guard (``if self.channel != "mychannel": return
super()...``), like Odoo's payment providers. It declares what it supports in
``_channel_features``; the base then skips what a channel does not do (jobs
are not queued, buttons and tabs are hidden), and the default of a hook a
channel declares but does not implement raises ``ChannelFeatureMissing``.

``readme/DEVELOP.md`` describes each hook: when it runs, in which transaction,
what it returns and how it fails.
"""

from datetime import datetime

from odoo import api, fields, models

from .. import const
from ..services.errors import ChannelFeatureMissing, RetailBusinessError
from ..services.order_processor import OrderProcessor
from ..services.partner_resolver import PartnerResolver
from ..services.refund_processor import RefundProcessor
from ..tools import canonical


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # What the views need to know of the channel's features.
    supports_connection_test = fields.Boolean(compute="_compute_channel_features")
    supports_webhooks = fields.Boolean(compute="_compute_channel_features")
    supports_webhook_subscription = fields.Boolean(compute="_compute_channel_features")
    supports_polling = fields.Boolean(compute="_compute_channel_features")
    supports_stock_export = fields.Boolean(compute="_compute_channel_features")
    supports_price_export = fields.Boolean(compute="_compute_channel_features")
    supports_locations = fields.Boolean(compute="_compute_channel_features")
    supports_catalog = fields.Boolean(compute="_compute_channel_features")
    supports_returns = fields.Boolean(compute="_compute_channel_features")
    channel_feature_summary = fields.Char(
        string="Channel Supports", compute="_compute_channel_features"
    )
    status_mapping_ids = fields.One2many(
        "retail.status.mapping",
        "backend_id",
        string="Order Status Mapping",
        copy=True,
        help="What each of the channel's order statuses means for the sale order.",
    )
    supports_status_mapping = fields.Boolean(compute="_compute_channel_features")
    location_mapping_ids = fields.One2many(
        "retail.location.mapping",
        "backend_id",
        string="Channel Locations",
        copy=True,
        help="The channel's stores or warehouses and the Odoo warehouse each one "
        "is. Without any, everything goes through the connection's warehouse.",
    )

    @api.depends("channel")
    def _compute_channel_features(self):
        for backend in self:
            features = backend._channel_features()
            backend.supports_connection_test = const.FEATURE_CONNECTION_TEST in features
            backend.supports_webhooks = const.FEATURE_WEBHOOKS in features
            backend.supports_webhook_subscription = (
                const.FEATURE_WEBHOOK_SUBSCRIPTION in features
            )
            backend.supports_polling = const.FEATURE_POLLING in features
            backend.supports_stock_export = const.FEATURE_STOCK_EXPORT in features
            backend.supports_price_export = const.FEATURE_PRICE_EXPORT in features
            backend.supports_locations = const.FEATURE_LOCATIONS in features
            backend.supports_catalog = const.FEATURE_CATALOG in features
            backend.supports_returns = const.FEATURE_RETURNS in features
            backend.supports_status_mapping = bool(
                backend._channel_default_status_mapping()
            )
            backend.channel_feature_summary = ", ".join(
                label
                for feature, label in const.FEATURE_LABELS.items()
                if feature in features
            )

    # ------------------------------------------------------------------
    # Identity of the channel
    # ------------------------------------------------------------------
    def _channel_features(self):
        """The features (``const.FEATURE_*``) this connection's channel supports.

        Hook: extend it behind the channel guard. The base supports nothing.
        """
        self.ensure_one()
        return frozenset()

    def _channel_supports(self, feature):
        """Whether this connection's channel declares `feature`."""
        self.ensure_one()
        return feature in self._channel_features()

    def _channel_unsupported(self, feature):
        """The error of a hook the channel does not implement."""
        return ChannelFeatureMissing(self, feature)

    def _feature_skip_reason(self, feature):
        """Why a job of `feature` has nothing to do here, or None."""
        if self._channel_supports(feature):
            return None
        return self.env._(
            "Nothing to do: %s", self._channel_unsupported(feature).args[0]
        )

    def _channel_sensitive_headers(self):
        """Header names (any case) redacted from stored deliveries and logs.

        Hook: a channel adds its signature or token headers. The headers that
        carry credentials on every channel (Authorization, Cookie…) are always
        redacted.
        """
        self.ensure_one()
        return frozenset()

    def _channel_default_status_mapping(self):
        """``{channel status: canonical status}`` seeded on new connections (hook).

        A channel whose orders carry statuses a person may want to read
        differently (on-hold: quotation or confirmed?) returns its defaults;
        each connection then gets its own editable table
        (``retail.status.mapping``) and ``_status_mapping()`` reads it.
        """
        self.ensure_one()
        return {}

    def _status_mapping(self):
        """The connection's ``{channel status: target}`` table."""
        self.ensure_one()
        rows = self.status_mapping_ids
        if not rows:
            return dict(self._channel_default_status_mapping())
        return {row.channel_status: row.target for row in rows}

    def _seed_status_mapping(self):
        """Give connections without a status mapping their channel's defaults."""
        Mapping = self.env["retail.status.mapping"].sudo()
        for backend in self:
            defaults = backend._channel_default_status_mapping()
            if not defaults or backend.status_mapping_ids:
                continue
            Mapping.create(
                [
                    {
                        "backend_id": backend.id,
                        "channel_status": status,
                        "target": target,
                    }
                    for status, target in defaults.items()
                ]
            )

    def action_reset_status_mapping(self):
        """Replace the status mapping with the channel's defaults."""
        for backend in self:
            backend.status_mapping_ids.unlink()
        self._seed_status_mapping()
        return True

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._seed_status_mapping()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if "channel" in vals:
            self._seed_status_mapping()
        return result

    def _channel_check_ready(self):
        """Raise a UserError naming what is missing to activate (hook).

        Called by *Activate* for each connection. The base asks for nothing.
        """
        self.ensure_one()

    # ------------------------------------------------------------------
    # Connection
    # ------------------------------------------------------------------
    def _test_connection(self):
        """Make a cheap authenticated call; return a message for the user (hook).

        Feature ``connection_test``. Runs in the user's request; raise
        ChannelHttpError (shown as "Connection failed: …") or UserError.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_CONNECTION_TEST)

    def _webhook_subscribe(self, secret):
        """Make the channel deliver its events to ``webhook_url`` (hook).

        Feature ``webhook_subscription``. `secret` is the connection's webhook
        secret, already committed, to give the channel when it signs with a
        secret of ours. Return a message for the user.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_WEBHOOK_SUBSCRIPTION)

    def _webhook_subscriptions_read(self):
        """The channel's webhook subscriptions, to mirror (hook).

        Feature ``webhook_subscription``. A list of dicts: ``external_id``,
        ``topic``, ``status`` (active, paused or disabled), ``delivery_url``,
        and optionally ``name`` and ``date_modified`` (naive UTC).
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_WEBHOOK_SUBSCRIPTION)

    def _webhook_subscription_set_active(self, subscription):
        """Activate one ``retail.webhook.subscription`` on the channel (hook)."""
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_WEBHOOK_SUBSCRIPTION)

    def _webhook_subscription_delete(self, subscription):
        """Delete one ``retail.webhook.subscription`` from the channel (hook)."""
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_WEBHOOK_SUBSCRIPTION)

    def _webhook_delivery_warning(self):
        """Why the channel may not deliver to ``webhook_url``, or None (hook).

        Shown after *Register webhooks* (a port the channel refuses, say).
        """
        self.ensure_one()
        return None

    # ------------------------------------------------------------------
    # Inbound
    # ------------------------------------------------------------------
    def _webhook_verify(self, delivery):
        """Check the signature of an ``InboundDelivery`` (hook, hot path).

        Feature ``webhooks``. Raise ``WebhookRejected(401, reason)`` when it
        does not match (nothing is stored), ``WebhookRejected(503, …)`` when
        this server cannot check it now. Runs before anything is stored, in
        the webhook request, as the public user with the connection sudo'ed.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_WEBHOOKS)

    def _webhook_parse(self, delivery):
        """Turn a verified ``InboundDelivery`` into an ``InboundEvent`` (hook).

        Feature ``webhooks``. Raise ``inbound.MalformedPayload`` for a body
        the channel never sends (answered 400). Keep it cheap: the payload is
        mapped later, in the job.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_WEBHOOKS)

    def _map_inbound(self, exchange):
        """Return the canonical record(s) an inbound exchange carries (hook).

        Feature ``orders`` (or any inbound topic). Runs in the exchange's
        job. Return None when the topic has nothing to apply in Odoo; raise
        ``canonical.CanonicalError`` for a payload that cannot be mapped (a
        business failure a person reads).
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_ORDERS)

    def _canonical_processors(self):
        """``{canonical type: processor class}`` applying inbound records (hook).

        A channel (or a feature addon) adds its canonical types, or replaces
        the processor of a type by a subclass for its connections.
        """
        self.ensure_one()
        return {canonical.Order: OrderProcessor, canonical.Refund: RefundProcessor}

    def _order_new_refunds(self, order):
        """The refunds of canonical `order` not yet credit notes, oldest first.

        A ``_map_inbound`` returns them after the order (``[order, *refunds]``)
        so that each becomes one credit note, once: a refund Odoo made itself
        (``_export_refund``) or already applied is left out.
        """
        self.ensure_one()
        if not order.refunds:
            return []
        known = RefundProcessor(self.env, self).known(order.refunds)
        return sorted(
            (refund for refund in order.refunds if refund.external_id not in known),
            key=lambda refund: (
                refund.created_at or datetime.min,
                int(refund.external_id) if refund.external_id.isdigit() else 0,
                refund.external_id,
            ),
        )

    def _processor_for(self, record):
        """The processor instance that applies canonical `record`."""
        self.ensure_one()
        processors = self._canonical_processors()
        for klass in type(record).__mro__:
            if klass in processors:
                return processors[klass](self.env, self)
        raise LookupError(f"No processor is registered for {type(record).__name__}")

    # ------------------------------------------------------------------
    # Order processing extension points
    # ------------------------------------------------------------------
    def _order_partners(self, order):
        """``(customer, invoice address, delivery address)`` of an order (hook).

        The customer policy. The default finds or creates the customer by
        binding, then e-mail, and its addresses as child contacts. A channel
        that hides e-mails, or whose sales may have no customer, overrides it.
        """
        self.ensure_one()
        return PartnerResolver(self.env, self).resolve(order)

    def _order_warehouse(self, order):
        """The warehouse (and so the company) an order is delivered from.

        The connection's location mapping for ``order.location``, or the
        connection's warehouse when the order names none. A location nobody
        mapped is a business failure: guessing would ship from the wrong
        place.
        """
        self.ensure_one()
        if not order.location or not self._channel_supports(const.FEATURE_LOCATIONS):
            return self.warehouse_id
        mapping = self.location_mapping_ids.filtered(
            lambda m: m.location_code == order.location
        )[:1]
        if not mapping:
            raise RetailBusinessError(
                self.env._(
                    "Unknown channel location “%(location)s”: map it to a warehouse "
                    "on the connection %(backend)s (Locations tab), then press "
                    "Retry.",
                    location=order.location,
                    backend=self.name,
                ),
                cause_kind="unknown_location",
                cause_value=order.location,
            )
        return mapping.warehouse_id

    def _order_sale_values(self, values, order, sale):
        """Adjust the sale order values of canonical `order` (hook).

        `values` is the dict about to be written (created when `sale` is
        empty); return it, changed as the channel needs. The base then sets
        the connection, company, warehouse, team and salesperson of a new
        order, and keeps the customer and pricelist of a confirmed one.
        """
        self.ensure_one()
        return values

    def _order_applied(self, sale, order, exchange):
        """Act after `order` is applied to `sale` (hook).

        Runs each time a state of the order is applied (created, updated,
        cancelled again; not for a stale event), in the exchange's job and
        its savepoint: a raised error rolls the order back with it. Make it
        idempotent, and queue outbound calls (an acceptance, say) with
        ``with_delay`` and an identity key rather than calling the channel.
        """
        self.ensure_one()

    def _inbound_failed(self, exchange):
        """Act when an inbound exchange fails (hook; the base does nothing).

        Runs in the exchange's job, after the exchange was marked failed
        (``exchange.error_category`` says business or technical): a
        marketplace may queue the refusal of an order it cannot fulfil. Only
        queue jobs here (with an identity key): the exchange can fail again
        on each Retry.
        """
        self.ensure_one()

    # ------------------------------------------------------------------
    # Outbound
    # ------------------------------------------------------------------
    def _export_stock(self, items, location=None):
        """Send quantities to the channel (hook).

        Feature ``stock_export``. `items` is a list of (binding, quantity), at
        most ``STOCK_EXPORT_BATCH_SIZE``. With feature ``locations`` and
        mapped locations, the base calls it once per `location` (a
        ``retail.location.mapping``) with that warehouse's quantities;
        otherwise `location` is None. Return ``{binding id: error}`` for the
        items the channel refused; raise ChannelHttpError for a failure of
        the whole call. Audit the call with ``_outbound_call``.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_STOCK_EXPORT)

    def _export_stock_batch_size(self):
        """Items per ``_export_stock`` call; None: every pending one at once.

        A channel whose stock goes in one file import (and that may be called
        only so often) returns None.
        """
        self.ensure_one()
        return const.STOCK_EXPORT_BATCH_SIZE

    def _export_stock_locations(self, located):
        """Send the quantities of several locations (hook, optional).

        `located` maps each ``retail.location.mapping`` to its list of
        (binding, quantity). The default calls ``_export_stock`` once per
        location; a channel taking every location in one call (a file with a
        warehouse column) overrides it. Returns ``{binding id: error}``, an
        error naming its location.
        """
        self.ensure_one()
        errors = {}
        for location, items in located.items():
            for binding_id, error in self._export_stock(
                items, location=location
            ).items():
                text = f"{location.location_code}: {error}"
                errors[binding_id] = (
                    f"{errors[binding_id]}; {text}" if binding_id in errors else text
                )
        return errors

    def _export_shipment(self, picking):
        """Tell the channel a delivery of one of its orders is done (hook).

        Feature ``shipment_export``. Return a summary; raise ChannelHttpError
        (retried when retryable, otherwise shown on the picking) or UserError.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_SHIPMENT_EXPORT)

    def _export_order_cancel(self, order):
        """Cancel on the channel an order cancelled in Odoo (hook).

        Feature ``cancel_export``. Return a summary; fails like
        ``_export_shipment``.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_CANCEL_EXPORT)

    def _export_refund(self, move):
        """Refund a posted credit note of one of the channel's orders (hook).

        Feature ``refund_export``. Return the channel's refund id, or the list
        of them when the channel made one refund per line (stored on the
        credit note, so it is never sent twice, and its refunds polled back
        are recognised); fails like ``_export_shipment``.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_REFUND_EXPORT)
