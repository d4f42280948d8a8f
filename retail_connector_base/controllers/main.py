import logging
import time

from odoo import http
from odoo.http import request

from ..services.errors import ChannelFeatureMissing, WebhookRejected
from ..tools.inbound import InboundDelivery, MalformedPayload

_logger = logging.getLogger(__name__)


def _answer(http_status, **body):
    return request.make_json_response(body, status=http_status)


def _rejected(backend, http_status, reason):
    """Refuse a delivery to a known connection, counted in its daily KPIs."""
    backend._kpi_count("webhook_rejected")
    return _answer(http_status, status="error", reason=reason)


class RetailWebhookController(http.Controller):
    """Durable webhook inbox: verify, store once, queue, answer."""

    @http.route(
        "/retail/webhook/<string:token>",
        type="http",
        methods=["POST"],
        auth="public",
        csrf=False,
        save_session=False,
    )
    def retail_webhook(self, token, **form):
        backend = request.env["retail.backend"]._find_by_webhook_token(token)
        if not backend:
            return _answer(404, status="error", reason="unknown webhook address")
        httprequest = request.httprequest
        limit = backend.max_body_bytes or 1024 * 1024
        if (httprequest.content_length or 0) > limit:
            return _rejected(backend, 413, f"body larger than {limit} bytes")
        raw_body = httprequest.get_data(cache=True)
        if len(raw_body) > limit:
            return _rejected(backend, 413, f"body larger than {limit} bytes")
        delivery = InboundDelivery(
            # As the sender addressed it: Odoo rewrites scheme and host from
            # the forwarded headers when it runs in proxy mode.
            url=httprequest.url,
            headers=httprequest.headers,
            raw_body=raw_body,
            form=form,
            received_at=time.time(),
        )
        try:
            outcome = backend._webhook_receive(delivery)
        except WebhookRejected as exc:
            _logger.info(
                "Webhook refused for connection %s: %s", backend.id, exc.reason
            )
            return _rejected(backend, exc.status, exc.reason)
        except MalformedPayload as exc:
            return _rejected(backend, 400, str(exc))
        except ChannelFeatureMissing as exc:
            # The channel declares webhooks but does not verify them: nothing
            # is stored, and a 5xx makes the sender deliver again later.
            _logger.error("Connection %s: %s", backend.id, exc)
            return _rejected(backend, 501, str(exc))
        return _answer(200, status=outcome)
