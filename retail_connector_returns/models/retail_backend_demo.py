"""Loop connection: what the demo data needs."""

import logging

from odoo import models
from odoo.exceptions import UserError

from .. import const

_logger = logging.getLogger(__name__)


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _loop_demo_set_credentials(self, api_key, webhook_secret):
        """Demo data: the Loop sandbox's API key and webhook secret.

        Like the base demo secret, they are only stored when this server has
        an encryption key; otherwise the demo connection stays without them
        (Register webhooks then asks for the key).
        """
        try:
            for backend in self:
                backend._set_secret(const.SECRET_API_KEY, api_key)
                backend._set_secret("webhook_secret", webhook_secret)
        except (UserError, ValueError) as exc:
            _logger.info("Demo returns connection left without credentials: %s", exc)
