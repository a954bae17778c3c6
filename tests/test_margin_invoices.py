# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer invoices know their main article by the rule of quotations, and a
customer invoice made without an order obeys the minimum margin of its main
article's category when it is posted (OpenFire's category guide: "articles
principaux sur les commandes / factures clients")."""

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common_margin import MarginPathsCase

INVOICE_DATE = "2026-01-15"


class TestMarginInvoices(MarginPathsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Invoices customers directly: billing and sales rights, no manager's.
        cls.clerk = new_test_user(
            cls.env,
            "pcv_invoicing_clerk",
            name="PCV Invoicing Clerk",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _invoice(self, *lines, move_type="out_invoice", user=None, **vals):
        """A draft customer invoice made as ``user`` (the invoicing clerk by default)
        with lines given as (product, quantity, unit price)."""
        return (
            self.env["account.move"]
            .with_user(user or self.clerk)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": self.customer.id,
                    "invoice_date": INVOICE_DATE,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": qty,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for product, qty, price in lines
                    ],
                    **vals,
                }
            )
        )

    def _post(self, invoice, user=None):
        invoice.with_user(user or self.clerk).action_post()

    # ------------------------------------------------------------------
    # The main article
    # ------------------------------------------------------------------
    def test_invoice_and_order_pick_the_same_main_line(self):
        """One rule for both: the highest main-article subtotal wins, ties go to
        the first line, a service outside main-article categories never wins."""
        for lines, expected in (
            (
                (
                    (self.setup_service, 1, 500),
                    (self.desk, 1, 100),
                    (self.lamp, 1, 100),
                ),
                self.desk,
            ),
            (((self.desk, 1, 100), (self.lamp, 2, 100)), self.lamp),
            (((self.setup_service, 1, 500),), self.env["product.product"]),
        ):
            order = self._order(*lines)
            invoice = self._invoice(*lines)
            self.assertEqual(order.main_product_id, expected)
            self.assertEqual(invoice.main_product_id, expected)
            self.assertEqual(invoice.main_line_id.product_id, expected)
            self.assertEqual(invoice.main_categ_id, expected.categ_id)
            self.assertEqual(
                invoice.main_line_id.price_subtotal, order.main_line_id.price_subtotal
            )

    def test_credit_note_knows_its_main_article_and_is_never_held(self):
        refund = self._invoice((self.lamp, 1, 10), move_type="out_refund")
        self.assertEqual(refund.main_product_id, self.lamp)
        self.assertEqual(refund.required_margin_rate, 0)
        self.assertFalse(refund.margin_approval_needed)
        self._post(refund)
        self.assertEqual(refund.state, "posted")

    def test_vendor_bill_has_no_main_article(self):
        bill = self._invoice((self.lamp, 1, 10), move_type="in_invoice")
        self.assertFalse(bill.main_product_id)
        self.assertFalse(bill.margin_approval_needed)

    def test_invoice_from_an_order_takes_the_order_main_article(self):
        order = self._order((self.desk, 3, 100), (self.lamp, 1, 150))
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(invoice.main_product_id, self.desk)
        self.assertEqual(invoice.main_line_id.sale_line_ids, order.main_line_id)
        # Invoiced alone, the lamp line is not the main article: the order's is.
        invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.desk
        ).unlink()
        self.assertFalse(invoice.main_line_id)
        self.assertEqual(invoice.main_product_id, self.desk)
        self.assertEqual(invoice.main_categ_id, self.furniture)

    # ------------------------------------------------------------------
    # Direct invoices and the minimum margin
    # ------------------------------------------------------------------
    def test_direct_invoice_below_its_minimum_is_refused(self):
        invoice = self._invoice((self.lamp, 1, 100))
        self.assertEqual(invoice.required_margin_rate, 30)
        self.assertAlmostEqual(invoice.margin_rate, 20.0, places=2)
        self.assertTrue(invoice.margin_approval_needed)
        with self.assertRefused(
            UserError,
            "This draft invoice cannot be posted",
            "20.00 %",
            "30.00 %",
            "PCV Lamps",
            "PCV Lamp",
            "Request Approval",
        ):
            self._post(invoice)
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.line_ids.filtered("reconciled"))

    def test_an_invoicing_clerk_without_sales_rights_requests_approval(self):
        """Who may post a customer invoice may ask for its margin's approval: the
        form offers them Request Approval, and the request reaches the sales
        managers."""
        billing = new_test_user(
            self.env,
            "pcv_billing_only",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        invoice = self._invoice((self.lamp, 1, 100), user=billing)
        arch = (
            self.env["account.move"]
            .with_user(billing)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="action_request_margin_approval"', arch)
        self.assertNotIn('name="action_approve_margin"', arch)
        with self.assertRefused(UserError, "This draft invoice cannot be posted"):
            self._post(invoice, user=billing)
        invoice.with_user(billing).action_request_margin_approval()
        self.assertEqual(invoice.margin_approval_state, "requested")
        self.assertIn(self.sale_manager, self._margin_activities(invoice).user_id)

    def test_a_numbered_invoice_is_named_by_its_number(self):
        invoice = self._invoice((self.lamp, 1, 100))
        invoice.name = "INV/2026/00042"
        self.assertEqual(invoice._margin_document_name(), "Invoice INV/2026/00042")
        with self.assertRefused(UserError, "Invoice INV/2026/00042 cannot be posted"):
            self._post(invoice)

    def test_direct_invoice_at_its_minimum_posts(self):
        invoice = self._invoice((self.lamp, 1, 80 / 0.7))
        self.assertFalse(invoice.margin_below_minimum)
        self._post(invoice)
        self.assertEqual(invoice.state, "posted")

    def test_margin_costs_lines_in_their_unit_and_currency(self):
        """A dozen desks at 1,000.00 cost 12 x 60.00 = 720.00; in a currency worth
        2 units of the company's at the invoice date (4 today), the cost is
        1,440.00 for 2,000.00 invoiced: 28.00 %."""
        currency = self.env["res.currency"].create(
            {"name": "PCX", "symbol": "X", "rounding": 0.01}
        )
        self.env["res.currency.rate"].create(
            [
                {"currency_id": currency.id, "name": INVOICE_DATE, "rate": 2.0},
                {"currency_id": currency.id, "name": fields.Date.today(), "rate": 4.0},
            ]
        )
        invoice = self._invoice((self.desk, 1, 2000), currency_id=currency.id)
        invoice.invoice_line_ids.product_uom_id = self.env.ref("uom.product_uom_dozen")
        invoice.invoice_line_ids.price_unit = 2000
        self.assertAlmostEqual(invoice.margin_rate, 28.0, places=2)
        self.assertFalse(invoice.margin_below_minimum)

    def test_missing_cost_is_pointed_out(self):
        free = self.env["product.product"].create(
            {"name": "PCV Uncosted Lamp", "categ_id": self.lamps.id}
        )
        invoice = self._invoice((self.lamp, 1, 100), (free, 1, 1))
        self.assertEqual(invoice.margin_missing_cost_products, "PCV Uncosted Lamp")

    def test_approval_lets_the_invoice_be_posted(self):
        invoice = self._invoice((self.lamp, 1, 100))
        invoice.with_user(self.clerk).with_context(
            margin_rate_seen=20.0
        ).action_request_margin_approval()
        self.assertTrue(invoice.margin_approval_requested)
        self.assertEqual(invoice.margin_requested_rate, 20.0)
        activities = self._margin_activities(invoice)
        self.assertIn(self.sale_manager, activities.user_id)
        self.assertNotIn(self.clerk, activities.user_id)
        with self.assertRefused(AccessError, "Only sales managers"):
            invoice.with_user(self.clerk).action_approve_margin()
        invoice.with_user(self.sale_manager).with_context(
            margin_rate_seen=20.0
        ).action_approve_margin()
        self.assertEqual(invoice.margin_approved_by_id, self.sale_manager)
        self.assertEqual(invoice.margin_approved_rate, 20.0)
        self.assertFalse(self._margin_activities(invoice))
        self.assertFalse(invoice.margin_approval_needed)
        self.assertEqual(invoice.state, "draft", "a person posts it")
        self._post(invoice)
        self.assertEqual(invoice.state, "posted")
        notes = self._notes(invoice)
        self.assertEqual(len(notes), 2)
        self.assertTrue(all(note.is_internal for note in notes))

    def test_a_lower_margin_voids_the_invoice_approval(self):
        invoice = self._invoice((self.lamp, 1, 100))
        invoice.with_user(self.sale_manager).action_approve_margin()
        invoice.with_user(self.clerk).invoice_line_ids.price_unit = 95
        self.assertFalse(invoice.margin_approved_by_id)
        self.assertIn("voided", self._notes(invoice)[:1].body)
        with self.assertRefused(UserError, "cannot be posted"):
            self._post(invoice)
        # A change that keeps the rate keeps a new approval.
        invoice.with_user(self.sale_manager).action_approve_margin()
        invoice.with_user(self.clerk).invoice_line_ids.name = "Lamp, blue"
        self.assertEqual(invoice.margin_approved_by_id, self.sale_manager)

    def test_approval_is_not_copied(self):
        invoice = self._invoice((self.lamp, 1, 100))
        invoice.with_user(self.sale_manager).action_approve_margin()
        self.assertFalse(invoice.copy().margin_approved_by_id)

    def test_posted_invoice_cannot_be_approved(self):
        invoice = self._invoice((self.lamp, 1, 100))
        invoice.with_user(self.sale_manager).action_approve_margin()
        self._post(invoice)
        with self.assertRefused(UserError, "no longer a draft"):
            invoice.with_user(self.sale_manager).action_approve_margin()

    def test_warn_posts_and_notes_the_rate(self):
        self.company.margin_policy = "warn"
        invoice = self._invoice((self.lamp, 1, 100))
        self._post(invoice)
        self.assertEqual(invoice.state, "posted")
        note = self._notes(invoice)
        self.assertEqual(len(note), 1)
        self.assertIn("Warn", note.body)
        self.assertIn("20.00 %", note.body)

    def test_off_and_no_minimum_post_as_odoo_does(self):
        loss = self._invoice((self.loss_maker, 1, 10))
        self.assertEqual(loss.main_product_id, self.loss_maker)
        self.assertFalse(loss.margin_approval_needed)
        self._post(loss)
        self.assertEqual(loss.state, "posted")
        self.company.margin_policy = "off"
        invoice = self._invoice((self.lamp, 1, 100))
        self.assertEqual(invoice.required_margin_rate, 0)
        self._post(invoice)
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(self._notes(invoice) | self._notes(loss))

    def test_invoice_from_an_order_is_never_held(self):
        """The order was checked when it was confirmed: its invoice posts even at
        a lower price."""
        order = self._order((self.lamp, 1, 100))
        order.with_user(self.sale_manager).action_approve_margin()
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.invoice_line_ids.price_unit = 85
        self.assertEqual(invoice.main_product_id, self.lamp)
        self.assertEqual(invoice.required_margin_rate, 0)
        self._post(invoice)
        self.assertEqual(invoice.state, "posted")

    def test_scheduled_posting_waits_for_a_manager(self):
        """Odoo's auto-post cron leaves the invoice to a sales manager instead of
        failing, notes it once however often it runs, and the approval posts
        it."""
        invoice = self._invoice((self.lamp, 1, 100), auto_post="at_date")
        invoice.date = fields.Date.today()
        fine = self._invoice((self.lamp, 1, 200), auto_post="at_date")
        fine.date = fields.Date.today()
        for _run in range(2):
            self.env["account.move"]._autopost_draft_entries()
        self.assertEqual(fine.state, "posted")
        self.assertEqual(invoice.state, "draft")
        self.assertTrue(invoice.margin_approval_requested)
        self.assertTrue(invoice.margin_post_on_approval)
        self.assertEqual(invoice.margin_approval_state, "waiting")
        self.assertIn(self.sale_manager, self._margin_activities(invoice).user_id)
        notes = self._notes(invoice)
        self.assertEqual(len(notes), 1)
        self.assertIn("Not posted automatically", notes.body)
        invoice.with_user(self.sale_manager).action_approve_margin()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.margin_approval_state, "approved")
        self.assertFalse(invoice.margin_post_on_approval)
        self.assertFalse(invoice.margin_approval_requested)

    def test_other_companies_managers_are_not_asked(self):
        other = self.env["res.company"].create({"name": "PCV Other Company"})
        outsider = new_test_user(
            self.env,
            "pcv_outside_manager",
            groups="sales_team.group_sale_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        invoice = self._invoice((self.lamp, 1, 100))
        invoice.with_user(self.clerk).action_request_margin_approval()
        self.assertNotIn(outsider, self._margin_activities(invoice).user_id)

    def test_portal_users_cannot_read_invoice_margins(self):
        portal = new_test_user(
            self.env, "pcv_invoice_portal", groups="base.group_portal"
        )
        invoice = self._invoice((self.lamp, 1, 100))
        for name in ("margin_rate", "required_margin_rate", "main_product_id"):
            with self.assertRaises(AccessError):
                invoice.with_user(portal).read([name])

    def test_journal_items_keep_their_entry_name(self):
        """Computing an entry's main article never keeps Odoo from naming its
        journal items (read in the database, after the flush)."""
        journal = self.env["account.journal"].create(
            {"name": "PCV Misc", "code": "PCVM", "type": "general"}
        )
        account = self.env["account.account"].create(
            {"code": "PCVM", "name": "PCV Misc", "account_type": "asset_fixed"}
        )
        entries = self.env["account.move"].create(
            [
                {
                    "journal_id": journal.id,
                    "date": "2016-01-01",
                    "line_ids": [
                        Command.create({"name": "x", "account_id": account.id})
                    ],
                }
            ]
            * 2
        )
        entries.name = False
        entries[0].action_post()
        invoice = self._invoice((self.loss_maker, 1, 10))
        invoice.action_post()
        self.env.flush_all()
        for move in entries[0] | invoice:
            self.env.cr.execute(
                "SELECT COUNT(*), COUNT(move_name) FILTER (WHERE move_name = %s)"
                " FROM account_move_line WHERE move_id = %s",
                (move.name, move.id),
            )
            total, named = self.env.cr.fetchone()
            self.assertTrue(total)
            self.assertEqual(named, total, move.name)
