# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where the customer confirms: signature on the portal and online payment with
Odoo's demo payment provider, as a portal user and as the public user. A quotation
below its minimum waits for a sales manager; the customer's action never fails and
shows nothing of margins."""

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon

from .common import RolesMixin

MARGIN_ACTIVITY = "product_category_valuation.mail_act_margin_approval"
# a 1x1 GIF, as Odoo's own portal tests sign
SIGNATURE = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
# what a customer must never read
STAFF_ONLY = ("20.00", "30.00", "Margin", "margin rate", "minimum", "PCV Lamps")


@tagged("post_install", "-at_install")
class TestCustomerPaths(RolesMixin, AccountPaymentCommon, PaymentHttpCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_roles()
        cls.provider = cls._prepare_provider(code="demo")
        cls.payment_method_id = cls.provider.payment_method_ids[:1].id
        lamps = cls.env["product.category"].create(
            {"name": "PCV Lamps", "is_main_article": True, "min_margin_rate": 30}
        )
        cls.lamp = cls.env["product.product"].create(
            {
                "name": "PCV Lamp",
                "categ_id": lamps.id,
                "list_price": 100,
                "standard_price": 80,
                "taxes_id": [Command.clear()],
            }
        )
        cls.activity_type = cls.env.ref(MARGIN_ACTIVITY)

    def _quotation(self, partner, price=100, **values):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": self.salesman.id,
                "order_line": [
                    Command.create({"product_id": self.lamp.id, "price_unit": price})
                ],
                **values,
            }
        )
        order.action_quotation_sent()
        return order

    def _assert_waiting(self, order):
        self.assertIn(order.state, ("draft", "sent"))
        self.assertTrue(order.margin_approval_requested)
        self.assertTrue(order.margin_confirm_on_approval)
        self.assertEqual(order.margin_approval_state, "waiting")
        activities = order.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.activity_type
        )
        self.assertIn(self.sale_manager, activities.user_id)
        note = order.message_ids.filtered(
            lambda m: (
                m.subtype_id
                == self.env.ref("product_category_valuation.mt_margin_approval")
            )
        )
        self.assertTrue(note.is_internal)
        self.assertIn("20.00 %", note.body)

    def _assert_customer_page(self, order, access_token=None):
        url = order.get_portal_url()
        if access_token:
            url = order.get_portal_url(query_string=f"&access_token={access_token}")
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Your order is being reviewed", page.text)
        for fragment in STAFF_ONLY:
            self.assertNotIn(fragment, page.text)

    def _sign(self, order, access_token=None):
        params = {"name": "Joe Customer", "signature": SIGNATURE}
        if access_token:
            params["access_token"] = access_token
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            return self.make_jsonrpc_request(f"/my/orders/{order.id}/accept", params)

    def _approve_and_check_confirmed(self, order):
        order.with_user(self.sale_manager).action_approve_margin()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.margin_approval_requested)
        self.assertFalse(
            order.activity_ids.filtered(
                lambda activity: activity.activity_type_id == self.activity_type
            )
        )

    def test_signature_as_portal_user(self):
        order = self._quotation(self.portal_partner, require_signature=True)
        self.authenticate(self.portal_user.login, self.portal_user.login)
        result = self._sign(order)
        self.assertNotIn("error", result)
        self.assertEqual(order.signed_by, "Joe Customer")
        self.assertTrue(order.signature)
        self._assert_waiting(order)
        self._assert_customer_page(order)
        self._approve_and_check_confirmed(order)
        self.assertTrue(order.signature, "the signature is kept")

    def test_signature_as_public_user(self):
        order = self._quotation(self.partner, require_signature=True)
        token = order._portal_ensure_token()
        result = self._sign(order, access_token=token)
        self.assertNotIn("error", result)
        self.assertTrue(order.signature)
        self._assert_waiting(order)
        self._assert_customer_page(order, access_token=token)
        self._approve_and_check_confirmed(order)

    def test_signature_above_the_minimum_confirms_at_once(self):
        order = self._quotation(self.partner, price=200, require_signature=True)
        self._sign(order, access_token=order._portal_ensure_token())
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.margin_approval_requested)

    def _pay(self, order):
        """Pay the whole quotation with the demo provider as its portal page does,
        then post-process the transaction as Odoo's cron does."""
        token = order._portal_ensure_token()
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            processing = self._get_processing_values(
                tx_route=order.get_portal_url(suffix="/transaction"),
                provider_id=self.provider.id,
                payment_method_id=self.payment_method_id,
                token_id=None,
                amount=order.amount_total,
                flow="direct",
                tokenization_requested=False,
                landing_route=order.get_portal_url(),
                access_token=token,
            )
            self.make_jsonrpc_request(
                "/payment/demo/simulate_payment",
                {
                    "reference": processing["reference"],
                    "payment_details": "4242",
                    "simulated_state": "done",
                },
            )
        tx = self._get_tx(processing["reference"])
        self.assertEqual(tx.state, "done")
        tx._post_process()
        return tx, token

    def test_payment_as_public_user(self):
        order = self._quotation(
            self.partner, require_payment=True, prepayment_percent=1
        )
        tx, token = self._pay(order)
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(order.transaction_ids, tx, "the payment is kept")
        self._assert_waiting(order)
        self._assert_customer_page(order, access_token=token)
        self._approve_and_check_confirmed(order)

    def test_payment_as_portal_user(self):
        order = self._quotation(
            self.portal_partner, require_payment=True, prepayment_percent=1
        )
        self.authenticate(self.portal_user.login, self.portal_user.login)
        tx, _token = self._pay(order)
        self.assertEqual(tx.state, "done")
        self._assert_waiting(order)
        self._assert_customer_page(order)
        self._approve_and_check_confirmed(order)

    def test_direct_invoice_shows_customers_no_margin(self):
        """A direct invoice approved below its minimum: neither its portal page
        nor its PDF says anything of margins, costs or the rule."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.portal_partner.id,
                "invoice_line_ids": [
                    Command.create({"product_id": self.lamp.id, "price_unit": 100})
                ],
            }
        )
        self.assertTrue(invoice.margin_approval_needed)
        invoice.with_user(self.sale_manager).action_approve_margin()
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(invoice.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn(invoice.name, page.text)
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "account.report_invoice", invoice.ids
            )[0]
        )
        self.assertIn(invoice.name, html)
        for text in (page.text, html):
            for fragment in STAFF_ONLY:
                self.assertNotIn(fragment, text)
