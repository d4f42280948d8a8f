"""Outbound calls: the shared HTTP client, the circuit breaker, the audit.

Every call to a channel goes through ``_http_client`` (rate limit, retries
with Retry-After, circuit breaker, secrets redacted) and is recorded on an
outbound ``retail.exchange`` by ``_outbound_call``. A job that calls a channel
says what replays it (``_outbound_replay``), so that a person can retry a
refused call from the exception queue.
"""

import json
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools import call_schedule, circuit_breaker, http_client, rate_limit


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Outbound HTTP
    # ------------------------------------------------------------------
    def _breaker_state(self):
        return circuit_breaker.BreakerState(
            state=self.circuit_state or circuit_breaker.CLOSED,
            failures=self.circuit_failures,
            opened_at=self.circuit_opened_at.replace(tzinfo=UTC).timestamp()
            if self.circuit_opened_at
            else None,
        )

    def _store_breaker_state(self, state):
        """Persist the breaker in its own transaction.

        The job that observed the failure is about to roll back; the breaker
        must stay open for every other worker all the same.
        """
        opened_at = (
            datetime.fromtimestamp(state.opened_at, UTC).replace(tzinfo=None)
            if state.opened_at
            else None
        )
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "UPDATE retail_backend SET circuit_state=%s, circuit_failures=%s,"
                    " circuit_opened_at=%s WHERE id=%s",
                    state.state,
                    state.failures,
                    opened_at,
                    self.id,
                )
            )
        self.invalidate_recordset(
            ["circuit_state", "circuit_failures", "circuit_opened_at"]
        )

    def _circuit_open_now(self):
        """Whether the breaker is open or half-open, as last stored by anyone.

        Read in a cursor of its own: the breaker is written outside the job's
        transaction (see _store_breaker_state), whose snapshot cannot see it.
        """
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL("SELECT circuit_state FROM retail_backend WHERE id=%s", self.id)
            )
            row = cr.fetchone()
        stored = row[0] if row else self.circuit_state
        return (stored or circuit_breaker.CLOSED) != circuit_breaker.CLOSED

    def _retry_later(self, error):
        """The RetryableJobError that postpones a job after `error` (retryable).

        While the circuit breaker is open the channel is known to be down: a
        call it refused, or a failed trial call of a half-open circuit, does
        not use up one of the job's retries. Otherwise a long outage would
        exhaust them, and what waited would not be sent after recovery.
        Failures with the circuit closed count as usual, so a call that keeps
        failing on its own still ends as a failed job. A call the channel's
        published frequency does not allow yet was never sent: it waits its
        turn without using up a retry either.
        """
        outage = isinstance(
            error, http_client.CircuitOpenError | call_schedule.CallScheduled
        ) or (self._circuit_open_now())
        return RetryableJobError(
            str(error), seconds=error.retry_after, ignore_retry=outage
        )

    def _http_client(self, base_url, **kwargs):
        """Build the shared HTTP client for this connection.

        One client for all channels: timeouts, retries with Retry-After, the
        connection's rate limit and circuit breaker, secrets redacted.
        """
        self.ensure_one()
        backend = self

        class _Breaker:
            def before_request(self):
                allowed, state = circuit_breaker.allow_request(
                    backend._breaker_state(),
                    now=time.time(),
                    cooldown=backend.breaker_cooldown,
                )
                if not allowed:
                    wait = circuit_breaker.seconds_until_retry(
                        state, now=time.time(), cooldown=backend.breaker_cooldown
                    )
                    raise http_client.CircuitOpenError(retry_after=wait)
                if state != backend._breaker_state():
                    backend._store_breaker_state(state)

            def record_success(self):
                if backend.circuit_state != circuit_breaker.CLOSED or (
                    backend.circuit_failures
                ):
                    backend._store_breaker_state(
                        circuit_breaker.record_success(backend._breaker_state())
                    )

            def record_failure(self):
                backend._store_breaker_state(
                    circuit_breaker.record_failure(
                        backend._breaker_state(),
                        now=time.time(),
                        threshold=backend.breaker_threshold,
                    )
                )

        limiter = None
        if self.rate_limit > 0:
            limiter = rate_limit.bucket_for(
                ("retail.backend", self.env.cr.dbname, self.id),
                self.rate_limit,
                max(1, int(self.rate_limit)),
            )
        kwargs.setdefault("timeout", float(self.request_timeout or 30))
        return http_client.HttpClient(
            base_url, rate_limiter=limiter, breaker=_Breaker(), **kwargs
        )

    def _call_schedule(self, operation, limits, *, max_wait=5.0):
        """A ``before_attempt`` for HttpClient.request keeping `limits`.

        `limits` pairs ``(calls, seconds)`` (the channel's published maximum
        frequency of `operation`), kept across every worker and process by
        ``retail.call.slot``. A turn within `max_wait` seconds is waited for
        here; a later one raises CallScheduled, which postpones a job by the
        wait without using up a retry (see _retry_later).
        """
        self.ensure_one()
        backend = self

        def before_attempt():
            wait = backend.env["retail.call.slot"]._reserve(
                backend, operation, limits, max_wait=max_wait
            )
            if wait > 0:
                time.sleep(wait)

        return before_attempt

    def _record_outbound(self, topic, payload, *, external_id="", record=None):
        """Create the outbound exchange that audits one call.

        Inside a replay (a person's Retry of a refused call) the exchange
        being retried is reused, so the queue keeps one line per call.
        """
        self.ensure_one()
        values = {
            "backend_id": self.id,
            "direction": "outbound",
            "topic": topic,
            "external_id": external_id or "",
            "payload": payload
            if isinstance(payload, str)
            else json.dumps(payload, default=str),
            "state": "queued",
        }
        replay = self.env.context.get("retail_outbound_replay")
        if replay:
            values["replay_method"], values["replay_args"] = replay
        if record:
            values.update(res_model=record._name, res_id=record.id)
        correlation = self.env["retail.exchange"]._correlation_for(record)
        if correlation:
            values["correlation_id"] = correlation
        Exchange = (
            self.env["retail.exchange"]
            .sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
        )
        retried = Exchange.browse(self.env.context.get("retail_retried_exchange_id"))
        if retried.exists() and retried.state == "queued":
            retried.write(values)
            exchange = retried
        else:
            values.update(
                dedup_key=str(uuid.uuid4()), received_at=fields.Datetime.now()
            )
            exchange = Exchange.create(values)
        self._outbound_recorded().append(exchange.id)
        return exchange

    def _outbound_recorded(self):
        """The ids of the outbound exchanges recorded in this transaction, in
        the order of their calls: what follows a length taken before a hook
        is that hook's calls (see BindingExporter.run)."""
        return self.env.cr.cache.setdefault("retail_connector.outbound_recorded", [])

    def _outbound_replay(self, method, *args):
        """This connection, whose outbound calls a person can replay.

        A job calling a channel wraps itself with this: the exchanges its
        calls record remember ``method(*args)`` (a job method of
        ``retail.backend`` with JSON arguments), and Retry on a failed one
        queues it again.
        """
        return self.with_context(
            retail_outbound_replay=(method, json.dumps(list(args)))
        )

    def _channel_call(self, call, *args, **kwargs):
        """Run ``call(*args, **kwargs)`` inside a job; return its result.

        A failure that may pass (an outage, a 429, a 5xx) postpones the job
        (RetryableJobError, the circuit breaker's cool-down honoured); any
        other refusal by the channel becomes a UserError the job fails with,
        readable in the job queue. The job's transaction is rolled back, the
        outbound exchanges it recorded with it: for a call a person should
        be able to retry from the exception queue, use ``_retail_export``.
        """
        try:
            return call(*args, **kwargs)
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            raise UserError(str(exc)) from exc

    @contextmanager
    def _outbound_call(self, topic, payload, *, external_id="", record=None):
        """Audit the outbound call made in the ``with`` block in one exchange.

        Yields the exchange (queued); the block may set its ``result``. A
        ChannelHttpError leaving the block marks the exchange failed and is
        raised again: technical when trying again may help, business when a
        person must look at it; a UserError marks it failed (business) too. A
        block that ends normally marks it done on `record`. Any other error
        leaves it queued: the job rolls it back.
        """
        exchange = self._record_outbound(
            topic, payload, external_id=external_id, record=record
        )
        try:
            yield exchange
        except call_schedule.CallScheduled:
            # Not sent: the job waits for its turn and rolls this back.
            raise
        except http_client.ChannelHttpError as exc:
            exchange._mark_failed(
                "technical" if exc.retryable else "business", str(exc)
            )
            raise
        except UserError as exc:
            # Refused before or instead of the call (a missing setting, a
            # state the channel does not allow): a person must look at it.
            exchange._mark_failed("business", exc.args[0] if exc.args else str(exc))
            raise
        exchange._mark_done(record, result=exchange.result)
