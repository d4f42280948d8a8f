"""Transaction-scoped advisory locks keyed on an external record."""

import hashlib
import struct

from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError


def advisory_key(*parts):
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    digest = hashlib.sha256("/".join(str(part) for part in parts).encode()).digest()
    return struct.unpack(">q", digest[:8])[0]


def lock_or_retry(env, *parts):
    """Take the lock for `parts` until commit, or postpone the job.

    A blocking wait would leave this transaction with a snapshot older than
    the holder's commit, so it could not see what the holder created; trying
    and retrying later converges instead.
    """
    env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", advisory_key(*parts)))
    if not env.cr.fetchone()[0]:
        raise RetryableJobError(
            "{} is being processed by another job".format("/".join(map(str, parts))),
            seconds=2,
            ignore_retry=True,
        )
