"""Services: apply canonical records to Odoo. They use the ORM and know nothing
of any channel's payloads."""

from . import order_processor
from . import refund_processor
