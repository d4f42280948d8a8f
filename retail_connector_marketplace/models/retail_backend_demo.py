"""Mirakl connection: what the demo data needs."""

import logging

from odoo import models
from odoo.exceptions import UserError

from .. import const

_logger = logging.getLogger(__name__)


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _mirakl_demo_set_credentials(self, api_key):
        """Demo data: the sandbox marketplace's API key.

        Like the base demo secret, it is only stored when this server has an
        encryption key; otherwise the demo connection stays without it (Test
        connection then asks for it).
        """
        try:
            for backend in self:
                backend._set_secret(const.SECRET_API_KEY, api_key)
        except (UserError, ValueError) as exc:
            _logger.info("Demo marketplace connection left without API key: %s", exc)
