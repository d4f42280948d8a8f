"""Coalesced, batched pushes of product bindings to a channel.

A change marks the product bindings of a connection as pending and queues
one job per connection (identity key, short delay): changes made while it
waits join it. The job reads every pending binding of the connection and
pushes them in batches; a job that finds nothing pending (another one pushed
it) has nothing to do. So a burst of changes costs a few batch calls, and
each job stays idempotent.

No row is locked while the channel is called. A call may last seconds (a
slow channel, a ``Retry-After`` the HTTP client waits out), and the people
validating deliveries and confirming orders mark the same bindings pending
with an UPDATE: behind a lock held by the job they would wait for the
channel, then fail to serialize and start over. So the job:

1. takes a transaction-level advisory lock on (kind of push, connection):
   one push of a kind per connection at a time, so the same bindings are
   not sent twice in parallel. A second job finding it taken postpones
   itself without using up a retry. Advisory locks block no UPDATE.
2. reads the pending bindings in its snapshot, without ``FOR UPDATE``, and
   makes every channel call;
3. only then locks the bindings it read to record the outcome (no call is
   left to make, and it commits right after), skipping those a transaction
   in progress holds. A binding changed and committed by another
   transaction since the job's snapshot cannot be locked either: Odoo runs
   REPEATABLE READ, which refuses it with a serialization failure, caught in
   a savepoint. Its change may be newer than what was pushed, so it stays
   pending and the job queues its successor, which pushes the latest value
   (quantities and prices are absolute: sending one again is harmless).

Nothing is lost and no one waits for the channel. The simpler ways were not
as good: letting the serialization failure fail the job has queue_job retry
it 5 s later, using up a retry and calling the channel again for every
binding, so on a busy store a long push might never be recorded; committing
between reading and calling would need a commit the tests' transactions
cannot make; and a version column compared in the final UPDATE changes
nothing under REPEATABLE READ, where that UPDATE fails the same way.

``BindingExporter`` is that mechanism; a subclass says what is pushed: the
stock (``stock_export``), or a channel's prices in the channel's addon.
"""

from datetime import timedelta

from psycopg2 import errors

from odoo import _, fields
from odoo.tools import SQL

from .. import const
from ..tools import http_client
from .locks import lock_or_retry


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
    # Bindings per channel call; None sends all the pending ones in one call.
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

        A change whose transaction began before the job started sees it
        still waiting (in its snapshot) and queues none; committed after
        that job had read the pending bindings, it was not among them, and
        its binding stays pending until the next change. The periodic check
        calls this; a job still waiting absorbs it (identity key), one
        running meets a successor that finds nothing left to do.
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
    def _lock_push(self):
        """Take this kind of push of the connection, or postpone the job.

        An advisory lock, held until the job's transaction ends: a second
        job would push the same bindings again. It blocks no UPDATE of them.
        """
        lock_or_retry(self.env, "push", self.identity_prefix, self.backend.id)

    def _read_pending(self):
        """The pending bindings, oldest first; not locked (see the module)."""
        order = [SQL.identifier(self.since_field)] if self.since_field else []
        self.Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE backend_id = %s AND %s ORDER BY %s",
                SQL.identifier(self.Binding._table),
                self.backend.id,
                SQL.identifier(self.pending_field),
                SQL(", ").join([*order, SQL("id")]),
            )
        )
        return self.Binding.browse([row[0] for row in self.env.cr.fetchall()])

    def _lock_unchanged(self, bindings):
        """Lock `bindings` to record their push; return the ones left out.

        Left out: those a transaction in progress holds (SKIP LOCKED), and
        those another transaction changed since this one's snapshot. Locking
        one of these fails the whole statement (serialization failure): it
        is rolled back to its savepoint and the bindings are tried again in
        halves, until the changed ones are singled out.
        """
        if not bindings:
            return bindings
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id IN %s ORDER BY id"
                        " FOR NO KEY UPDATE SKIP LOCKED",
                        SQL.identifier(self.Binding._table),
                        tuple(bindings.ids),
                    ),
                    # Expected under concurrency, and handled: not an error.
                    log_exceptions=False,
                )
                locked = {row[0] for row in self.env.cr.fetchall()}
        except errors.SerializationFailure:
            if len(bindings) == 1:
                return bindings
            half = len(bindings) // 2
            return self._lock_unchanged(bindings[:half]) | self._lock_unchanged(
                bindings[half:]
            )
        return bindings.filtered(lambda binding: binding.id not in locked)

    def _record(self, updates):
        """Write ``{binding: values}``, except on the bindings changed meanwhile.

        Called once every channel call is made. Returns the bindings left
        out: they stay pending, for the next job.
        """
        self.Binding.flush_model()
        bindings = self.Binding.browse(sorted(binding.id for binding in updates))
        changed = self._lock_unchanged(bindings)
        # One write per distinct set of values: the locks are held until the
        # job commits, so this part is kept short.
        groups = {}
        for binding, values in updates.items():
            if binding not in changed:
                key = tuple(sorted(values.items()))
                groups.setdefault(key, []).append(binding.id)
        for key, ids in groups.items():
            self.Binding.browse(ids).write(dict(key))
        return changed

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
        self._lock_push()
        bindings = self._read_pending()
        if not bindings:
            return _("Nothing to do: already pushed by another job.")
        dropped = self._drop_reason()  # pylint: disable=assignment-from-none
        if dropped:
            return self._requeue_changed(
                dropped, self._record(dict.fromkeys(bindings, self._cleared()))
            )
        values = self._values(bindings)
        now = fields.Datetime.now()
        unchanged = self._unchanged(bindings, values)
        # What each binding records, written once every call is made.
        updates = dict.fromkeys(unchanged, self._cleared())
        # Variations of one parent go out together: channels take them through
        # one batch endpoint per parent, so grouping keeps the request count
        # close to one per hundred items.
        todo = (bindings - unchanged).sorted(
            lambda b: (b.external_parent_id or "", b.id)
        )
        pushed = failed = 0
        recorded = self.backend._outbound_recorded()
        for batch in chunked(list(todo), self.batch_size or max(1, len(todo))):
            items = [(binding, values[binding.product_id.id]) for binding in batch]
            calls = len(recorded)
            try:
                errors_by_id = self._send(items)
            except http_client.ChannelHttpError as exc:
                if exc.retryable:
                    # Nothing is lost: the bindings stay pending and the job
                    # retries later (after the circuit breaker's cool-down).
                    raise self.backend._retry_later(exc) from exc
                errors_by_id = {binding.id: str(exc) for binding, _value in items}
            if errors_by_id:
                self._fail_calls(recorded[calls:], items, errors_by_id)
            for binding, value in items:
                error = errors_by_id.get(binding.id)
                update = {**self._cleared(), self.error_field: error or False}
                if error:
                    failed += 1
                else:
                    pushed += 1
                    update.update(self._pushed_values(value, now))
                updates[binding] = update
        summary = self._summary(pushed, failed, len(unchanged))
        return self._requeue_changed(summary, self._record(updates))

    def _fail_calls(self, exchange_ids, items, errors_by_id):
        """The channel took the calls of a batch but refused items of it:
        their exchanges fail, listing those items, and Retry sends them
        again."""
        refusals = {
            binding.external_sku or binding.external_id: errors_by_id[binding.id]
            for binding, _value in items
            if errors_by_id.get(binding.id)
        }
        Exchanges = self.env["retail.exchange"].sudo()
        Exchanges.browse(exchange_ids)._mark_items_refused(refusals)

    def _requeue_changed(self, summary, changed):
        """Queue the next job for the bindings `changed` meanwhile; `summary`."""
        if not changed:
            return summary
        # After the usual delay, as for a change: a binding held by a long
        # transaction is not pushed again and again meanwhile. The change
        # itself queued a job unless it saw this one waiting; the identity
        # key makes the two one.
        delay = max(0, self.backend.stock_export_delay)
        self._queue_job(fields.Datetime.now() + timedelta(seconds=delay))
        return "{} {}".format(
            summary,
            _(
                "%s changed while being pushed: they wait for the next push.",
                len(changed),
            ),
        )

    def _skip_reason(self):
        """Why an active connection pushes nothing now, before reading (hook)."""
        return None

    def _drop_reason(self):
        """Why the pending bindings are taken off the list unsent (hook)."""
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
