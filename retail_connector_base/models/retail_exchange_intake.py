"""The webhook's hot path: an inbound exchange and its job in one statement.

Every accepted delivery stores its exchange and queues its processing job
before answering. Through the ORM that is an INSERT, queue_job's
``queue.job`` create (defaults, access checks, mail.thread, an INSERT of its
own) and an UPDATE linking the two: most of a delivery's time once Odoo's own
request cycle is paid. Here queue_job still builds the job (``Job`` and its
``_store_values``, the values its own ``store()`` writes) and the fields of
``queue.job`` convert them to columns, once per user, company and retry
count (a cached template; uuid, date and description are set per delivery);
only the write is ours: one
``INSERT … ON CONFLICT DO NOTHING`` of the exchange with the job's uuid, and
the job's row inserted by the same statement when the exchange was.

A duplicate delivery inserts neither. When queue_job's test helpers trap
jobs, or jobs must run at once (``queue_job__no_delay``), the job goes
through ``with_delay`` as before, so that queue_job sees it.
"""

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from psycopg2.extras import Json

from odoo import _, api, fields, models, tools
from odoo.tools import SQL

from odoo.addons.queue_job import delay as queue_job_delay
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.utils import must_run_without_delay

from .. import const
from ..tools import redact

# The job's columns filled in SQL from the exchange inserted with it.
_RECORD_COLUMNS = ("records", "func_string")
# The job's columns set per delivery, not taken from the cached template.
_PER_JOB_COLUMNS = ("uuid", "date_created", "name")


class IntakeJob(NamedTuple):
    """A processing job to insert with its exchange: ``queue_job`` columns
    (but the record's), the records' JSON and the method's name."""

    columns: Mapping
    records: str
    method_name: str


class RetailExchange(models.Model):
    _inherit = "retail.exchange"

    @api.model
    def _insert_inbound(self, backend, event, headers, raw_body):
        """Insert an inbound exchange unless its dedup key is already stored,
        and queue its processing job when the connection is active.

        Plain SQL on purpose: it is the webhook's hot path, and a concurrent
        duplicate must end as "nothing inserted", not as a logged error.
        Returns the new exchange, or an empty recordset for a duplicate.
        """
        active = backend.state == "active"
        job = self._intake_job(backend, event) if active else None
        values = self._inbound_values(backend, event, headers, raw_body)
        values["job_uuid"] = job.columns["uuid"] if job else None
        self.env.cr.execute(self._insert_sql(values, job))
        row = self.env.cr.fetchone()
        exchange = self.browse(row[0]) if row else self.browse()
        if exchange and active and not job:
            exchange._enqueue_job(backend, event.topic, event.external_id)
        return exchange

    def _inbound_values(self, backend, event, headers, raw_body):
        """The exchange's columns (SQL values) for a verified event."""
        stored_headers = {
            key: value
            for key, value in redact.redact_headers(
                dict(headers), backend._channel_sensitive_headers()
            ).items()
            if key.lower().startswith(const.STORED_HEADER_PREFIXES)
        }
        now = fields.Datetime.now()
        return {
            "backend_id": backend.id,
            "company_id": backend.company_id.id,
            "direction": "inbound",
            "topic": event.topic[:255],
            "dedup_key": event.dedup_key[:255],
            "external_id": event.external_id or None,
            "state": "queued" if backend.state == "active" else "received",
            "payload": raw_body.decode("utf-8", errors="replace"),
            "headers": json.dumps(stored_headers, sort_keys=True),
            "attempts": 0,
            "received_at": now,
            "occurred_at": event.occurred_at,
            "display_title": " ".join(
                part for part in (event.topic, event.external_id) if part
            ),
            # Every version of a channel record shares one correlation id
            # (see retail_exchange_trace.py).
            "correlation_id": SQL(
                "COALESCE(%s, %s)",
                self._earlier_correlation_sql(
                    backend.id, event.topic, event.external_id or None
                ),
                uuid.uuid4().hex,
            ),
            "create_uid": self.env.uid,
            "create_date": now,
            "write_uid": self.env.uid,
            "write_date": now,
        }

    def _intake_job(self, backend, event):
        """The processing job's row, as queue_job would store it, or None when
        it must go through ``with_delay`` (jobs trapped by tests, or run at
        once).

        queue_job's values are the same for every job of a connection but for
        the uuid, the date and the description: they are built once (see
        ``_intake_job_template``) and those three are set per delivery.
        """
        if queue_job_delay.Job is not Job or must_run_without_delay(self.env):
            return None
        template = self._intake_job_template(
            backend.max_retries,
            self.env.company.id,
            json.dumps(
                self._job_prepare_context_before_enqueue(), sort_keys=True, default=str
            ),
        )
        Jobs = self.env["queue.job"]
        columns = {
            # A psycopg2 adapter keeps the connection it was last used with:
            # one per statement, not one shared by every worker thread.
            name: Json(value.adapted) if isinstance(value, Json) else value
            for name, value in template.columns.items()
        }
        columns["uuid"] = str(uuid.uuid4())
        columns["date_created"] = Jobs._fields["date_created"].convert_to_column_insert(
            datetime.now(), Jobs
        )
        columns["name"] = self._job_description(backend, event.topic, event.external_id)
        return IntakeJob(columns, template.records, template.method_name)

    @tools.ormcache(
        "max_retries", "company_id", "context", "self.env.uid", "self.env.su"
    )
    def _intake_job_template(self, max_retries, company_id, context):
        """queue_job's own values for an inbound processing job of this user,
        company, context and retry count (the record's, uuid, date and
        description apart, see ``_intake_job``).

        ``company_id`` and ``context`` are the cache's keys: the job reads
        both from the environment. Cached like queue_job's own job settings:
        a change of a job function clears Odoo's caches, and the next
        delivery builds it again.
        """
        # Built on the empty recordset: the exchange's id is set in SQL.
        job = Job(
            self.browse()._process_job,
            channel=const.JOB_CHANNEL_INBOUND,
            max_retries=max_retries,
        )
        Jobs = self.env["queue.job"].sudo()
        return IntakeJob(
            # Read-only: the cached template is shared by every request.
            MappingProxyType(
                {
                    name: value
                    for name, value in self._job_columns(job).items()
                    if name not in _PER_JOB_COLUMNS
                }
            ),
            Jobs._fields["records"].convert_to_cache(job.recordset, Jobs),
            job.method_name,
        )

    @api.model
    def _job_description(self, backend, topic, external_id):
        return _(
            "Process %(topic)s %(external)s from %(backend)s",
            topic=topic,
            external=external_id or "",
            backend=backend.name,
        )

    def _insert_sql(self, values, job):
        """The INSERT of the exchange, with its job's when `job` is given."""
        columns = list(values)
        insert = SQL(
            """
            INSERT INTO retail_exchange (%s) VALUES (%s)
            ON CONFLICT (backend_id, direction, dedup_key) DO NOTHING
            RETURNING id
            """,
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(
                value if isinstance(value, SQL) else SQL("%s", value)
                for value in values.values()
            ),
        )
        if not job:
            return insert
        return SQL(
            """
            WITH new_exchange AS (%s)
            INSERT INTO queue_job (%s, records, func_string)
            SELECT %s,
                   jsonb_set(%s::jsonb, '{ids}', jsonb_build_array(new_exchange.id)),
                   %s || '(' || new_exchange.id || ',).' || %s || '()'
              FROM new_exchange
            RETURNING (SELECT id FROM new_exchange)
            """,
            insert,
            SQL(", ").join(SQL.identifier(name) for name in job.columns),
            SQL(", ").join(SQL("%s", value) for value in job.columns.values()),
            job.records,
            self._name,
            job.method_name,
        )

    def _job_columns(self, job):
        """The ``queue_job`` columns of `job` but the record's, as its
        ``store()`` would write them."""
        Jobs = self.env["queue.job"].sudo()
        stored = job._store_values(create=True)
        columns = {}
        for name, value in stored.items():
            field = Jobs._fields[name]
            if name in _RECORD_COLUMNS or not field.column_type:
                continue
            columns[name] = field.convert_to_column_insert(value, Jobs, stored)
        return columns
