from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..services.errors import WebhookRejected
from ..tools import crypto
from .common import WEBHOOK_SECRET, RetailCase


@tagged("post_install", "-at_install")
class TestSecrets(RetailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.retail_user = new_test_user(
            cls.env, "rc_user", groups="retail_connector_base.group_retail_user"
        )
        cls.retail_manager = new_test_user(
            cls.env, "rc_manager", groups="retail_connector_base.group_retail_manager"
        )

    def test_database_column_holds_ciphertext(self):
        self.env.cr.execute(
            SQL(
                "SELECT ciphertext FROM retail_backend_secret WHERE backend_id = %s",
                self.backend.id,
            )
        )
        (ciphertext,) = self.env.cr.fetchone()
        self.assertNotIn(WEBHOOK_SECRET, ciphertext)
        key = self.encryption_key.encode()
        self.assertEqual(crypto.decrypt(key, ciphertext), WEBHOOK_SECRET)
        self.env.cr.execute(
            SQL("SELECT * FROM retail_backend WHERE id = %s", self.backend.id)
        )
        self.assertNotIn(WEBHOOK_SECRET, repr(self.env.cr.fetchall()))

    def test_nobody_reads_the_secret_back(self):
        for user in (
            self.retail_user,
            self.retail_manager,
            self.env.ref("base.user_admin"),
        ):
            backend = self.backend.with_user(user)
            self.assertFalse(backend.webhook_secret, user.login)
            self.assertTrue(backend.webhook_secret_set)
            self.assertFalse(
                backend.read(["webhook_secret"])[0]["webhook_secret"], user.login
            )
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.env["retail.backend.secret"].with_user(user).search([]).read(
                    ["ciphertext"]
                )

    def test_only_managers_set_credentials(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.retail_user).write({"webhook_secret": "x"})
        self.backend.with_user(self.retail_manager).write({"webhook_secret": "rotated"})
        self.assertEqual(self.backend._get_secret("webhook_secret"), "rotated")

    def test_webhook_token_is_manager_only_and_regenerable(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.backend.with_user(self.retail_user).read(["webhook_token"])
        url = self.backend.with_user(self.retail_user).webhook_url
        self.assertIn("/retail/webhook/", url)
        token = self.backend.webhook_token
        self.assertGreaterEqual(len(token), 40)
        self.backend.action_regenerate_token()
        self.assertNotEqual(self.backend.webhook_token, token)
        self.assertFalse(self.env["retail.backend"]._find_by_webhook_token(token))

    def test_token_lookup_reads_the_webhook_secret_with_the_connection(self):
        """One query finds the connection and its secret; a secret changed
        after that look-up is read afresh, and a look-up's secret serves
        once."""
        Backends = self.env["retail.backend"]
        token = self.backend.webhook_token
        with self.assertQueryCount(1):
            backend = Backends._find_by_webhook_token(token)
            self.assertEqual(backend._webhook_secret_for_verification(), WEBHOOK_SECRET)

        backend = Backends._find_by_webhook_token(self.backend.webhook_token)
        self.backend._set_secret("webhook_secret", "rotated-secret")
        self.assertEqual(backend._webhook_secret_for_verification(), "rotated-secret")

        backend = Backends._find_by_webhook_token(self.backend.webhook_token)
        self.backend._set_secret("webhook_secret", "")
        with self.assertRaises(WebhookRejected) as caught:
            backend._webhook_secret_for_verification()
        self.assertEqual(caught.exception.status, 401)
