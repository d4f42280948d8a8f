from datetime import timedelta

from odoo import _, fields, models

from odoo.addons.retail_connector_base import const as base_const


class RetailWoocommerceImportWizard(models.TransientModel):
    """First setup: bring in the store's orders changed since a date.

    The orders take the same path as webhook deliveries, in the background;
    orders already in Odoo in their latest state are skipped.
    """

    _name = "retail.woocommerce.import.wizard"
    _description = "Import WooCommerce Orders Since a Date"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        domain=[("channel", "=", "woocommerce")],
    )
    since = fields.Datetime(
        required=True,
        default=lambda self: fields.Datetime.now() - timedelta(days=30),
        help="Orders created or modified after this moment are imported.",
    )

    def action_import(self):
        """Queue the import job and tell the user."""
        self.ensure_one()
        backend = self.backend_id
        backend._woocommerce_check_channel()
        backend.with_delay(
            channel=base_const.JOB_CHANNEL_BATCH,
            description=_("Import orders of %s", backend.name),
        )._woocommerce_import_orders_job(self.since)
        return backend._notification(
            _("Import started"),
            _(
                "The orders changed since %s are being imported; follow them in "
                "the connection's exchanges.",
                fields.Datetime.to_string(self.since),
            ),
        )
