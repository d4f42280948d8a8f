"""Coalesced, batched pushes of product bindings to a channel.

A change marks the product bindings of a connection as pending and queues
one job per connection (identity key, short delay): changes made while it
waits join it. The job claims every pending binding of the connection and
pushes them in batches; a job that finds nothing pending (another one pushed
it) has nothing to do. So a burst of changes costs a few batch calls, and
each job stays idempotent.

``BindingExporter`` is that mechanism; a subclass says what is pushed: the
stock (``stock_export``), or a channel's prices in the channel's addon.
"""

from datetime import timedelta

from odoo import _, fields
from odoo.tools import SQL

from .. import const
from ..tools import http_client


def chunked(items, size):
    """Split a list into consecutive lists of at most `size` items."""
    return [items[index : index + size] for index in range(0, len(items), size)]


class BindingExporter:
    """Push one value of the product bindings of a connection, coalesced.

    A subclass names the fields of ``retail.product.binding`` that carry the
    push state and the job, and supplies the rest: the job's description,
    the value of each product now (``_values``), the channel call
    (``_send``), what a push records (``_pushed_values``) and the summary.
    """

    # Boolean column: the binding waits to be pushed.
    pending_field = None
    # Optional datetime column: since when it waits; the oldest go first.
    since_field = None
    # Char field: the channel's refusal at the last push (False: accepted).
    error_field = None
    # The ``retail.backend`` method of the job (no arguments), and the start
    # of its identity key, which ends with the connection's id.
    job_method = None
    identity_prefix = None
    # Bindings per channel call; None sends all the claimed ones in one call.
    batch_size = None

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self.Binding = env["retail.product.binding"].sudo()

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------
    def schedule(self, products=None, delay=None):
        """Mark the bindings of `products` (all when None) pending, queue jobs.

        The jobs start after `delay` seconds (the connection's stock export
        delay when None). Returns how many bindings were marked.
        """
        backend = self.backend
        domain = [("backend_id", "=", backend.id)]
        if products is not None:
            domain.append(("product_id", "in", products.ids))
        bindings = self.Binding.search(domain)
        if not bindings:
            return 0
        now = fields.Datetime.now()
        self._mark_pending(bindings, now)
        delay = backend.stock_export_delay if delay is None else delay
        self._queue_job(now + timedelta(seconds=max(0, delay)))
        return len(bindings)

    def _queue_job(self, eta=None):
        """Queue the connection's job, unless one already waits (identity key)."""
        delayed = self.backend.with_delay(
            channel=const.JOB_CHANNEL_OUTBOUND,
            max_retries=const.PUSH_JOB_MAX_RETRIES,
            eta=eta,
            identity_key=f"{self.identity_prefix}-{self.backend.id}",
            description=self._job_description(),
        )
        getattr(delayed, self.job_method)()

    def requeue_forgotten(self):
        """Queue the job again when bindings wait with no job to push them.

        A change marked while the job was claiming (its row locked, so the
        claim skipped it) saw a job still waiting and queued none: its binding
        stays pending until the next change. The periodic check calls this;
        a job still waiting absorbs it (identity key), one running meets a
        successor that finds nothing left to do.
        """
        pending = [
            ("backend_id", "=", self.backend.id),
            (self.pending_field, "=", True),
        ]
        if self.Binding.search_count(pending, limit=1):
            self._queue_job()

    def mark_refused_pending(self):
        """Put the bindings the channel refused back on the waiting list.

        A person's Retry of a refused push: they are sent with the next run.
        Returns how many were marked.
        """
        bindings = self.Binding.search(
            [("backend_id", "=", self.backend.id), (self.error_field, "!=", False)]
        )
        if bindings:
            self._mark_pending(bindings, fields.Datetime.now())
        return len(bindings)

    def _mark_pending(self, bindings, now):
        """Set the pending flag (and the waiting start, kept if set) in SQL."""
        pending = SQL.identifier(self.pending_field)
        assignments = [SQL("%s = true", pending)]
        if self.since_field:
            since = SQL.identifier(self.since_field)
            assignments.append(SQL("%s = COALESCE(%s, %s)", since, since, now))
        self.Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s WHERE id IN %s",
                SQL.identifier(self.Binding._table),
                SQL(", ").join(assignments),
                tuple(bindings.ids),
            )
        )
        bindings.invalidate_recordset(list(self._cleared()))

    def _job_description(self):
        """The description of the connection's job in the job queue (hook)."""
        raise NotImplementedError

    # ------------------------------------------------------------------
    # Pushing
    # ------------------------------------------------------------------
    def _claim_pending(self):
        """Lock the pending bindings no other job is pushing right now."""
        order = [SQL.identifier(self.since_field)] if self.since_field else []
        self.Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE backend_id = %s AND %s"
                " ORDER BY %s FOR UPDATE SKIP LOCKED",
                SQL.identifier(self.Binding._table),
                self.backend.id,
                SQL.identifier(self.pending_field),
                SQL(", ").join([*order, SQL("id")]),
            )
        )
        return self.Binding.browse([row[0] for row in self.env.cr.fetchall()])

    def _cleared(self):
        """The values that take a binding off the waiting list."""
        values = {self.pending_field: False}
        if self.since_field:
            values[self.since_field] = False
        return values

    def run(self):
        """Push every pending binding of the connection; return a summary."""
        if self.backend.state != "active":
            return _("Nothing to do: the connection is not active.")
        # None from the base hooks; subclasses may give a reason.
        skipped = self._skip_reason()  # pylint: disable=assignment-from-none
        if skipped:
            return skipped
        bindings = self._claim_pending()
        if not bindings:
            return _("Nothing to do: already pushed by another job.")
        dropped = self._drop_reason()  # pylint: disable=assignment-from-none
        if dropped:
            bindings.write(self._cleared())
            return dropped
        values = self._values(bindings)
        now = fields.Datetime.now()
        unchanged = self._unchanged(bindings, values)
        unchanged.write(self._cleared())
        # Variations of one parent go out together: channels take them through
        # one batch endpoint per parent, so grouping keeps the request count
        # close to one per hundred items.
        todo = (bindings - unchanged).sorted(
            lambda b: (b.external_parent_id or "", b.id)
        )
        pushed = failed = 0
        for batch in chunked(list(todo), self.batch_size or max(1, len(todo))):
            items = [(binding, values[binding.product_id.id]) for binding in batch]
            try:
                errors = self._send(items)
            except http_client.ChannelHttpError as exc:
                if exc.retryable:
                    # Nothing is lost: the bindings stay pending and the job
                    # retries later (after the circuit breaker's cool-down).
                    raise self.backend._retry_later(exc) from exc
                errors = {binding.id: str(exc) for binding, _value in items}
            for binding, value in items:
                error = errors.get(binding.id)
                update = {**self._cleared(), self.error_field: error or False}
                if error:
                    failed += 1
                else:
                    pushed += 1
                    update.update(self._pushed_values(value, now))
                binding.write(update)
        return self._summary(pushed, failed, len(unchanged))

    def _skip_reason(self):
        """Why an active connection pushes nothing now, before claiming (hook)."""
        return None

    def _drop_reason(self):
        """Why the claimed bindings are taken off the list unsent (hook)."""
        return None

    def _values(self, bindings):
        """``{product id: value to push}`` for the bindings' products (hook)."""
        raise NotImplementedError

    def _unchanged(self, bindings, values):
        """The bindings the channel already has at `values`: not sent again."""
        return bindings.browse()

    def _send(self, items):
        """Send ``[(binding, value)]``; return ``{binding id: error}`` (hook).

        Raise ChannelHttpError for a failure of the whole call.
        """
        raise NotImplementedError

    def _pushed_values(self, value, now):
        """What a binding records once the channel took `value` (hook)."""
        raise NotImplementedError

    def _summary(self, pushed, failed, unchanged):
        """The job's result, from the counts of bindings (hook)."""
        raise NotImplementedError
