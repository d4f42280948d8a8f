from odoo.tests import tagged

from ..tools import http_client
from .common import RetailCase


@tagged("post_install", "-at_install")
class TestBreakerRetries(RetailCase):
    """Waiting out an outage must not use up a job's retries.

    The full behaviour (a long outage, the breaker stored by one worker and
    read by others) is proven against a real server in
    tests/test_faults_outage.py; these check the rule itself.
    """

    def test_refused_by_an_open_circuit_does_not_count(self):
        error = http_client.CircuitOpenError(retry_after=42)
        retry = self.backend._retry_later(error)
        self.assertTrue(retry.ignore_retry)
        self.assertEqual(retry.seconds, 42)

    def test_failure_with_the_circuit_closed_counts(self):
        error = http_client.ChannelHttpError(
            "Service unavailable", status=503, retryable=True
        )
        retry = self.backend._retry_later(error)
        self.assertFalse(retry.ignore_retry)
        self.assertIn("Service unavailable", str(retry))

    def test_failure_while_the_circuit_is_open_does_not_count(self):
        # A trial call of a half-open circuit that failed: the channel is
        # still down, the job waits for the next cool-down without penalty.
        self.backend.circuit_state = "half_open"
        error = http_client.ChannelHttpError(
            "Service unavailable", status=503, retryable=True, retry_after=5
        )
        retry = self.backend._retry_later(error)
        self.assertTrue(retry.ignore_retry)
        self.assertEqual(retry.seconds, 5)
