"""Naive stock export baseline; runs inside ``odoo shell`` (``env`` given).

One request per product through the connection's own outbound path (the same
HTTP client, signing or API keys, rate limit and outbound exchange as the
batched exporter), given one product at a time, as an exporter without
batching would do:

- generic channel: the connection's stock hook
  (``retail.backend._export_stock``, the very call the batched exporter
  makes) with one item;
- WooCommerce: ``PUT products/<id>`` with the product's stock fields.

Stops after ``BENCH_SECONDS`` so that the bench stays bounded; the caller
extrapolates to the whole catalog.

Input (environment): ``BENCH_BACKEND`` the connection id, ``BENCH_SECONDS``.
Prints one line ``BENCH_RESULT {json}``.
"""

import json
import os
import time

# Defined by `odoo shell`, which runs this file with its own globals.
env = globals()["env"]


def hook_sender(backend):
    """Send one quantity through the connection's stock hook."""

    def send(binding, quantity):
        backend._export_stock([(binding, quantity)])

    return send


def woocommerce_sender(backend):
    """Send one quantity as ``PUT products/<id>``, audited like a batch."""
    from odoo.addons.retail_connector_base.tools import canonical
    from odoo.addons.retail_connector_woocommerce.tools import mappers

    client = backend._woocommerce_client()

    def send(binding, quantity):
        level = canonical.StockLevel(
            binding.external_sku or "", int(quantity), binding.external_id
        )
        (item,) = mappers.stock_update_items([level])
        with backend._outbound_call(
            "stock.update", item, external_id=binding.external_id
        ):
            client.update_product(binding.external_id, item)

    return send


SENDERS = {"woocommerce": woocommerce_sender}

backend = env["retail.backend"].browse(int(os.environ["BENCH_BACKEND"]))
limit = float(os.environ["BENCH_SECONDS"])
bindings = env["retail.product.binding"].search(
    [("backend_id", "=", backend.id)], order="id"
)
quantities = backend._get_available_quantities(bindings.product_id)
send_one = SENDERS.get(backend.channel, hook_sender)(backend)
env.cr.commit()
started = time.perf_counter()
sent = 0
for binding in bindings:
    if time.perf_counter() - started >= limit:
        break
    send_one(binding, quantities[binding.product_id.id])
    sent += 1
    if sent % 50 == 0:
        env.cr.commit()
env.cr.commit()
elapsed = time.perf_counter() - started
print(
    "BENCH_RESULT "
    + json.dumps({"requests": sent, "seconds": elapsed, "catalog": len(bindings)})
)
