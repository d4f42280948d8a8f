"""Start the Odoo server of the Python running this script.

Equivalent to Odoo's own ``odoo`` launcher, without relying on a console
script that may belong to another Python or fail its entry-point checks. Odoo's
prefork server re-executes this file for its gevent process, so it must stay a
plain script.
"""

import os

# Odoo computes dates assuming the process runs in UTC, as its launcher sets.
os.environ["TZ"] = "UTC"

import odoo  # noqa: E402

if __name__ == "__main__":
    odoo.cli.main()
