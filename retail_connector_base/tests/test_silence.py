from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from .. import const
from .common import RetailCase, trap_jobs


class TestSilenceDetection(RetailCase):
    """A connection that stops receiving its usual orders is marked silent,
    repaired and reported once; a quiet night is not an alarm."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Backend = cls.env["retail.backend"]
        cls.activity_type = cls.env.ref(
            "retail_connector_base.mail_activity_retail_silence"
        )
        cls.serial = 0

    def add_events(self, backend, moments, topic="order.created"):
        values = []
        for moment in moments:
            type(self).serial += 1
            values.append(
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "topic": topic,
                    "dedup_key": f"silence-{self.serial}",
                    "external_id": str(self.serial),
                    "payload": "{}",
                    "state": "done",
                    "received_at": moment,
                }
            )
        self.env["retail.exchange"].create(values)

    def add_history(self, backend, per_hour, weeks=6):
        """`per_hour` order events in the same hour of each past week."""
        now = fields.Datetime.now()
        for week in range(1, weeks + 1):
            hour_end = now - timedelta(weeks=week)
            count = per_hour(week) if callable(per_hour) else per_hour
            self.add_events(
                backend,
                [
                    hour_end - timedelta(minutes=1 + 55 * i / count)
                    for i in range(count)
                ],
            )

    @contextmanager
    def polled_channel(self):
        """The generic channel, as if it could be polled for orders."""
        Backend = type(self.Backend)
        features = Backend._channel_features

        def with_polling(backend):
            return features(backend) | {const.FEATURE_POLLING}

        with (
            patch.object(Backend, "_channel_features", with_polling),
            patch.object(
                Backend, "_poll_streams", lambda backend: {"orders": "Orders"}
            ),
        ):
            yield

    def silence_activities(self, backend):
        return backend.activity_ids.filtered(
            lambda a: a.activity_type_id == self.activity_type
        )

    def test_gap_in_a_busy_hour_is_silence_repaired_and_reported_once(self):
        self.add_history(self.backend, 20)
        # Orders came until two hours ago, none in the last hour.
        self.add_events(self.backend, [fields.Datetime.now() - timedelta(hours=2)])
        history, observed = self.backend._silence_history()[self.backend.id]
        self.assertEqual(history, [20] * 6)
        self.assertEqual(observed, 0)

        with self.polled_channel(), trap_jobs() as trap:
            self.Backend._cron_detect_silence()
            trap.assert_jobs_count(1, only=self.backend._poll_job)
            trap.assert_enqueued_job(
                self.backend._poll_job,
                args=("orders",),
                properties={"identity_key": f"retail-poll-{self.backend.id}-orders"},
            )
        self.assertEqual(self.backend.silence_state, "silent")
        self.assertTrue(self.backend.silence_since)
        self.assertIn("0 orders received in the last hour", self.backend.silence_note)
        self.assertIn("20.0 on average", self.backend.silence_note)
        self.assertIn("Reconciliation queued: Orders.", self.backend.silence_note)
        activity = self.silence_activities(self.backend)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.backend.user_id)
        self.assertIn("stopped receiving orders", activity.summary)

        # The next runs find the same silence: no second activity, no new jobs.
        with self.polled_channel(), trap_jobs() as trap:
            self.Backend._cron_detect_silence()
            self.Backend._cron_detect_silence()
            trap.assert_jobs_count(0)
        self.assertEqual(len(self.silence_activities(self.backend)), 1)
        self.assertEqual(self.backend.silence_state, "silent")

        # The silence was found 20 minutes ago; one order since is not a flow.
        now = fields.Datetime.now()
        self.backend.silence_since = now - timedelta(minutes=20)
        self.add_events(self.backend, [now])
        self.Backend._cron_detect_silence()
        self.assertEqual(self.backend.silence_state, "silent")

        # Orders flow again: back to normal, the activity is done.
        self.add_events(
            self.backend, [now - timedelta(minutes=i) for i in range(1, 18)]
        )
        self.Backend._cron_detect_silence()
        self.assertEqual(self.backend.silence_state, "normal")
        self.assertFalse(self.backend.silence_since)
        self.assertFalse(self.silence_activities(self.backend))
        self.assertTrue(
            self.backend.message_ids.filtered(
                lambda message: "back to normal" in (message.body or "")
            ),
            "a note says so",
        )

    def test_channel_without_polling_is_still_reported(self):
        self.add_history(self.backend, 20)
        with trap_jobs() as trap:
            self.Backend._cron_detect_silence()
            trap.assert_jobs_count(0)
        self.assertEqual(self.backend.silence_state, "silent")
        self.assertIn("nothing to reconcile", self.backend.silence_note)
        self.assertEqual(len(self.silence_activities(self.backend)), 1)

    def test_quiet_night_is_not_silence(self):
        self.add_history(self.backend, lambda week: week % 2)  # 0 or 1 an hour
        self.Backend._cron_detect_silence()
        self.assertEqual(self.backend.silence_state, "normal")
        self.assertFalse(self.silence_activities(self.backend))

    def test_new_connection_is_never_silent(self):
        # Three weeks of history only: not enough to expect anything.
        self.add_history(self.backend, 20, weeks=3)
        history, _observed = self.backend._silence_history()[self.backend.id]
        self.assertEqual(len(history), 3)
        self.Backend._cron_detect_silence()
        self.assertEqual(self.backend.silence_state, "normal")

    def test_other_topics_and_other_connections_do_not_count(self):
        self.add_history(self.backend, 20)
        # Product events kept arriving: they are not orders.
        now = fields.Datetime.now()
        recent = [now - timedelta(minutes=i) for i in range(30)]
        self.add_events(self.backend, recent, "product.updated")
        # Another connection with the same rhythm received its orders.
        other = self.backend.copy({"name": "Other channel", "state": "active"})
        self.add_history(other, 20)
        self.add_events(other, recent)
        self.assertEqual(self.backend._silence_history()[self.backend.id][1], 0)
        self.Backend._cron_detect_silence()
        self.assertEqual(self.backend.silence_state, "silent")
        self.assertEqual(other.silence_state, "normal")

    def test_paused_connection_is_not_watched(self):
        self.add_history(self.backend, 20)
        self.backend.action_pause()
        self.Backend._cron_detect_silence()
        self.assertEqual(self.backend.silence_state, "normal")
