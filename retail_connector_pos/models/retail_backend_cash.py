"""Square's cash drawer shifts, polled (Square sends no webhook for them).

Each run lists every store's shifts opened from a margin before the run's
window (a shift opened yesterday may be counted today), and for each
business day (the day a shift opened, in the store's time zone) where a
shift changed, reads all the day's shifts again, closed ones in full (paid
in and out), and hands them to the store day: a day whose drawer is counted
is closed by the next run of the closing cron.
"""

import datetime as dt
import logging

from odoo import _, models

from odoo.addons.retail_connector_base.tools import canonical

from .. import const
from ..tools import receipts

_logger = logging.getLogger(__name__)

# How long before the window a shift may have opened and still change.
SHIFT_MARGIN = dt.timedelta(days=2)


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _poll_streams(self):
        streams = super()._poll_streams()
        if self.channel == const.CHANNEL:
            streams = {**streams, const.STREAM_CASH: _("Cash drawer shifts")}
        return streams

    def _poll(self, stream, since, source):
        if self.channel != const.CHANNEL or stream != const.STREAM_CASH:
            return super()._poll(stream, since, source)
        client = self._square_client()
        stores = self.location_mapping_ids.filtered(
            lambda s: s.active and s.pos_config_id
        )
        Day = self.env["retail.pos.day"].sudo()
        # The first run takes every shift of its margin as changed.
        changed_since = since if self._poll_checkpoint(const.STREAM_CASH) else None
        read = updated = unreadable = 0
        for store in stores:
            changed, count, bad = self._square_changed_shift_days(
                client, store, since, changed_since
            )
            read, unreadable = read + count, unreadable + bad
            for business_date in sorted(changed):
                shifts = self._square_day_shifts(client, store, business_date)
                day = Day.with_company(store.company_id)._for(store, business_date)
                updated += day._cash_apply_shifts(shifts)
        summary = _(
            "%(read)s cash drawer shifts read, %(days)s store days updated.",
            read=read,
            days=updated,
        )
        if unreadable:
            summary += " " + _("%s shifts could not be read.", unreadable)
        return summary

    def _square_changed_shift_days(self, client, store, since, changed_since):
        """``({business date}, shifts read, unreadable)``: the days of the
        shifts opened from a margin before `since` and changed after
        `changed_since` (None: all)."""
        days, read, unreadable, cursor = set(), 0, 0, None
        while True:
            page, cursor = self._channel_call(
                client.shifts, store.location_code, since - SHIFT_MARGIN, None, cursor
            )
            for summary in page:
                read += 1
                opened, updated = self._square_shift_times(summary)
                if opened is None:
                    unreadable += 1
                    continue
                if changed_since is None or updated is None or updated >= changed_since:
                    days.add(
                        receipts.business_date(opened, store.pos_timezone or "UTC")
                    )
            if not cursor:
                return days, read, unreadable

    def _square_shift_times(self, summary):
        """``(opened_at, updated_at)`` of a shift summary (None: unreadable)."""
        try:
            opened = canonical.parse_datetime(summary.get("opened_at"), "opened_at")
        except canonical.CanonicalError as exc:
            _logger.warning("Square cash drawer shift %s: %s", summary.get("id"), exc)
            return None, None
        try:
            updated = canonical.parse_datetime(summary.get("updated_at"), "updated_at")
        except canonical.CanonicalError:
            updated = None
        return opened, updated

    def _square_day_shifts(self, client, store, business_date):
        """Every shift of the store's day (``receipts.CashShift``), in full
        when closed; unreadable shifts and shifts in another currency left out."""
        begin = store._pos_day_start(business_date)
        end = store._pos_day_start(business_date + dt.timedelta(days=1))
        currency = (
            store.pos_config_id.currency_id or store.company_id.currency_id
        ).name
        shifts, cursor = [], None
        while True:
            page, cursor = self._channel_call(
                client.shifts, store.location_code, begin, end, cursor
            )
            for summary in page:
                if summary.get("state") == "CLOSED":
                    summary = self._channel_call(
                        client.shift, summary.get("id"), store.location_code
                    )
                try:
                    shift = receipts.cash_shift(summary)
                except canonical.CanonicalError as exc:
                    _logger.warning(
                        "Square cash drawer shift %s: %s", summary.get("id"), exc
                    )
                    continue
                if shift.currency and shift.currency != currency:
                    _logger.warning(
                        "Square cash drawer shift %s is in %s, store %s in %s",
                        shift.id,
                        shift.currency,
                        store.display_name,
                        currency,
                    )
                    continue
                shifts.append(shift)
            if not cursor:
                return shifts
