"""A route that does nothing: Odoo's own ceiling for one request.

``make bench`` sends it the same signed bodies, with the same load generator,
as the webhook intake (``POST /retail/webhook/<token>``), so that the intake
reads as a fraction of what Odoo itself serves on the same server. It goes
through the same request cycle as the webhook (a database-bound request of
the public user, no session saved) and receives the whole body, but looks
nothing up, verifies nothing and stores nothing.
"""

from odoo import http
from odoo.http import request


class RetailTestNoop(http.Controller):
    @http.route(
        "/retail/test/noop",
        type="http",
        methods=["POST"],
        auth="public",
        csrf=False,
        save_session=False,
    )
    def retail_test_noop(self, **form):
        # Received as the webhook receives it, so both read the same bytes.
        body = request.httprequest.get_data(cache=True)
        return request.make_json_response({"status": "noop", "bytes": len(body)})
