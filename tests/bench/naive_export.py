"""Naive stock export baseline; runs inside ``odoo shell`` (``env`` given).

One request per product through the connection's own stock hook
(``retail.backend._export_stock``, the very call the batched exporter makes,
with the same signing, HTTP client, rate limit and outbound exchange), given
one product at a time, as an exporter without batching would do. Stops after
``BENCH_SECONDS`` so that the bench stays bounded; the caller extrapolates to
the whole catalog.

Input (environment): ``BENCH_BACKEND`` the connection id, ``BENCH_SECONDS``.
Prints one line ``BENCH_RESULT {json}``.
"""

import json
import os
import time

# Defined by `odoo shell`, which runs this file with its own globals.
env = globals()["env"]

backend = env["retail.backend"].browse(int(os.environ["BENCH_BACKEND"]))
limit = float(os.environ["BENCH_SECONDS"])
bindings = env["retail.product.binding"].search(
    [("backend_id", "=", backend.id)], order="id"
)
quantities = backend._get_available_quantities(bindings.product_id)
env.cr.commit()
started = time.perf_counter()
sent = 0
for binding in bindings:
    if time.perf_counter() - started >= limit:
        break
    backend._export_stock([(binding, quantities[binding.product_id.id])])
    sent += 1
    if sent % 50 == 0:
        env.cr.commit()
env.cr.commit()
elapsed = time.perf_counter() - started
print(
    "BENCH_RESULT "
    + json.dumps({"requests": sent, "seconds": elapsed, "catalog": len(bindings)})
)
