"""Stock through STO01 stock imports, followed until Mirakl has read them.

Mirakl's offer import (OF24) resets every offer field it is not given, so
stock goes only through the stock import: one CSV with every pending SKU of
the connection and every warehouse code, at most one a minute (the call
schedule postpones the push job meanwhile, and the changes of that minute
join it). The import runs on Mirakl's side: a follow-up job reads its status
(STO02) and its error report (STO03), and puts each refused line on its
product binding and the import's exchange in the exception queue, where
Retry pushes the refused quantities again.
"""

import json

from odoo import _, models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base import const as base_const

from .. import const
from ..tools import api as mirakl_api
from ..tools import stock_csv

FOLLOW_DELAY = 10


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _export_stock_batch_size(self):
        if self.channel != const.CHANNEL:
            return super()._export_stock_batch_size()
        return None

    def _export_stock(self, items, location=None):
        if self.channel != const.CHANNEL:
            return super()._export_stock(items, location=location)
        return self._mirakl_import_stock(
            {location: items} if location else {None: items}
        )

    def _export_stock_locations(self, located):
        if self.channel != const.CHANNEL:
            return super()._export_stock_locations(located)
        return self._mirakl_import_stock(located)

    def _mirakl_import_stock(self, located):
        """One STO01 import of `located` ({location or None: items}); {}."""
        rows, lines = [], []
        for location, items in located.items():
            code = location.location_code if location else ""
            for binding, quantity in items:
                sku = binding.external_sku or binding.external_id
                rows.append((sku, max(0, int(quantity)), code))
                lines.append([binding.id, sku, code, max(0, int(quantity))])
        content = stock_csv.stock_csv(rows)
        payload = {"lines": len(rows), "file": content.decode()[:20000]}
        with self._outbound_call("stock.import", payload) as exchange:
            import_id = self._mirakl_client().stock_import(content)
            exchange.write(
                {
                    "external_id": import_id,
                    "result": _(
                        "Import %(import_id)s: %(count)s lines sent",
                        import_id=import_id,
                        count=len(rows),
                    ),
                }
            )
        self.with_delay(
            channel=base_const.JOB_CHANNEL_BATCH,
            eta=FOLLOW_DELAY,
            identity_key=f"mirakl-stock-import-{self.id}-{import_id}",
            description=_("Follow stock import %s", import_id),
        )._mirakl_follow_stock_import_job(import_id, exchange.id, json.dumps(lines))
        return {}

    def _mirakl_follow_stock_import_job(self, import_id, exchange_id, lines):
        """Job: wait for a stock import to end, then record its refusals."""
        self.ensure_one()
        client = self._mirakl_client()
        status = self._channel_call(client.stock_import_status, import_id)
        state = status.get("status") or status.get("import_status") or ""
        if state not in mirakl_api.IMPORT_DONE_STATES:
            raise RetryableJobError(
                _(
                    "Stock import %(import_id)s is %(state)s",
                    import_id=import_id,
                    state=state or "?",
                ),
                seconds=FOLLOW_DELAY,
                ignore_retry=True,
            )
        exchange = self.env["retail.exchange"].browse(exchange_id).exists()
        errors = {}
        if state == "FAILED":
            reason = status.get("reason_status") or _("Mirakl could not read the file")
            errors = {(sku, code): reason for _id, sku, code, _q in json.loads(lines)}
        elif status.get("has_error_report") or status.get("lines_in_error"):
            report = self._channel_call(client.stock_import_error_report, import_id)
            errors = stock_csv.parse_error_report(report)
        return self._mirakl_record_stock_errors(
            import_id, exchange, json.loads(lines), errors
        )

    def _mirakl_record_stock_errors(self, import_id, exchange, lines, errors):
        Binding = self.env["retail.product.binding"]
        refused = {}
        for binding_id, sku, code, _quantity in lines:
            reason = errors.get((sku, code)) or errors.get((sku, ""))
            if reason:
                text = f"{code}: {reason}" if code else reason
                refused[binding_id] = (
                    f"{refused[binding_id]}; {text}" if binding_id in refused else text
                )
        for binding_id, text in refused.items():
            Binding.browse(binding_id).exists().write({"last_export_error": text})
        if not refused:
            return _("Stock import %s: every line taken.", import_id)
        message = _(
            "Stock import %(import)s: %(count)s lines refused: %(lines)s",
            **{
                "import": import_id,
                "count": len(refused),
                "lines": "; ".join(
                    f"{Binding.browse(i).external_sku}: {t}" for i, t in refused.items()
                )[:2000],
            },
        )
        if exchange:
            exchange.write(
                {
                    "replay_method": "_retry_refused_stock_job",
                    "replay_args": "[]",
                }
            )
            exchange._mark_failed("business", message)
        return message
