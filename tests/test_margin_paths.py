# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The margin rule where Odoo confirms quotations by itself, and how people route
and read approvals: no minimum no block, policies, requests, managers without an
e-mail address, rates in the reader's language."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common_margin import MarginPathsCase


class TestNoMinimumNoBlock(MarginPathsCase):
    def test_loss_without_a_minimum_confirms(self):
        """The main article's category and its parents set no minimum: a quotation
        at -4100 % confirms, and nothing of the rule shows."""
        order = self._order((self.loss_maker, 1, 10))
        self.assertEqual(order.main_product_id, self.loss_maker)
        self.assertAlmostEqual(order.margin_rate, -4100)
        self.assertEqual(order.required_margin_rate, 0)
        self.assertFalse(order.margin_below_minimum)
        self.assertFalse(order.margin_approval_needed)
        self.assertFalse(order.margin_missing_cost_products)
        self.assertFalse(order._confirmation_error_message())
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._notes(order))

    def test_loss_without_a_main_article_confirms(self):
        order = self._order((self.setup_service, 1, 1))  # services: no main article
        self.assertFalse(order.main_product_id)
        self.assertLess(order.margin_rate, 0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_zero_amount_and_no_cost_without_minimum_confirm(self):
        free = self.env["product.product"].create(
            {"name": "PCV Free", "categ_id": self.uncategorised.id}
        )
        order = self._order((free, 1, 0), (self.loss_maker, 0, 10))
        self.assertEqual(order.margin_rate, 0)
        self.assertFalse(order.margin_missing_cost_products, "no minimum: no warning")
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_form_shows_the_rule_only_where_a_minimum_applies(self):
        arch = self.env["sale.order"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn(
            '<field name="required_margin_rate" invisible="not required_margin_rate"',
            arch,
        )
        self.assertIn(
            'name="main_product_id" invisible="not required_margin_rate"', arch
        )


class TestMarginPolicy(MarginPathsCase):
    def test_block_is_the_default(self):
        self.assertEqual(
            self.env["res.company"].create({"name": "X"}).margin_policy, "block"
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.margin_policy, "block")

    def test_warn_confirms_and_notes_the_rate(self):
        self.company.margin_policy = "warn"
        order = self._order((self.lamp, 1, 100))
        self.assertTrue(order.margin_below_minimum)
        self.assertFalse(order.margin_approval_needed)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        note = self._notes(order)
        self.assertEqual(len(note), 1)
        self.assertIn("Warn", note.body)
        self.assertIn("20.00 %", note.body)
        self.assertIn("30.00 %", note.body)
        self.assertEqual(note.author_id, self.salesman.partner_id)

    def test_off_applies_no_minimum(self):
        settings = self.env["res.config.settings"].create({"margin_policy": "off"})
        settings.execute()
        self.assertEqual(self.company.margin_policy, "off")
        order = self._order((self.lamp, 1, 100))
        self.assertEqual(order.required_margin_rate, 0)
        self.assertFalse(order.margin_below_minimum)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._notes(order))

    def test_missing_cost_is_pointed_out(self):
        free_lamp = self.env["product.product"].create(
            {"name": "PCV Free Lamp", "categ_id": self.lamps.id}
        )
        order = self._order((self.lamp, 1, 100), (free_lamp, 1, 10))
        self.assertEqual(order.margin_missing_cost_products, "PCV Free Lamp")
        # 20 + 10 of margin on 110: 27.27 %, still below 30 %
        with self.assertRefused(UserError, "Cost missing on PCV Free Lamp"):
            order.action_confirm()
        order.order_line[0].price_unit = 200  # 130 / 210: above the minimum
        self.assertFalse(order.margin_below_minimum)
        self.assertEqual(order.margin_missing_cost_products, "PCV Free Lamp")
        arch = order.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="margin_missing_cost"', arch)
        # its cost set, nothing is missing any more, where a minimum applies
        free_lamp.standard_price = 4
        order.order_line[1]._compute_purchase_price()
        self.assertTrue(order.required_margin_rate)
        self.assertIs(order.margin_missing_cost_products, False)

    def test_policy_is_per_company(self):
        other = self.env["res.company"].create(
            {"name": "PCV Other", "margin_policy": "off"}
        )
        self.assertEqual(self.company.margin_policy, "block")
        self.assertEqual(other.margin_policy, "off")
        order = self._order((self.lamp, 1, 100))
        self.assertTrue(order.margin_approval_needed)


class TestMarginApprovalRouting(MarginPathsCase):
    def test_request_approval_schedules_an_activity_per_manager(self):
        order = self._order((self.lamp, 1, 100))
        customer_written = order.partner_id.write_date
        order.action_request_margin_approval()
        self.assertTrue(order.margin_approval_requested)
        activities = self._margin_activities(order)
        # no e-mail of an assigned activity, which would write the customer
        self.assertFalse(
            self.env["mail.message"].search_count(
                [
                    ("model", "=", "sale.order"),
                    ("res_id", "=", order.id),
                    ("message_type", "=", "user_notification"),
                ]
            )
        )
        self.env.flush_all()
        order.partner_id.invalidate_recordset(["write_date"])
        self.assertEqual(order.partner_id.write_date, customer_written)
        managers = self.env.ref("sales_team.group_sale_manager").users.filtered(
            lambda user: not user.share and self.company in user.company_ids
        )
        self.assertIn(self.sale_manager, activities.user_id)
        self.assertIn(self.mute_manager, activities.user_id)
        self.assertEqual(activities.user_id, managers)
        self.assertNotIn(self.salesman, activities.user_id)
        self.assertIn("20.00 %", activities[0].note)
        # asking twice does not pile up activities
        order.margin_approval_requested = False
        order.action_request_margin_approval()
        self.assertEqual(self._margin_activities(order), activities)
        to_approve = self.env["sale.order"].search(
            [("margin_approval_requested", "=", True), ("id", "=", order.id)]
        )
        self.assertEqual(to_approve, order)
        search = self.env["sale.order"].get_views([(False, "search")])["views"]
        self.assertIn('name="margin_to_approve"', search["search"]["arch"])

    def test_quotation_list_offers_the_margin_rate(self):
        action = self.env.ref("sale.action_quotations_with_onboarding")
        view = action.view_id or self.env.ref("sale.view_quotation_tree")
        arch = self.env["sale.order"].get_views([(view.id, "list")])["views"]["list"][
            "arch"
        ]
        self.assertIn('name="margin_rate"', arch)
        self.assertIn('optional="hide"', arch.split('name="margin_rate"')[1][:40])
        # wide enough for their titles, which Odoo's list cut ("Required …")
        for fname in ("required_margin_rate", "margin_rate"):
            self.assertIn("width=", arch.split(f'name="{fname}"')[1].split("/>")[0])
        categories = self.env["product.category"].get_views([(False, "list")])
        arch = categories["views"]["list"]["arch"]
        self.assertIn(
            "width=",
            arch.split('name="effective_min_margin_rate"')[1].split("/>")[0],
        )

    def test_request_without_need_is_refused(self):
        order = self._order((self.lamp, 1, 200))
        with self.assertRefused(UserError, order.name, "needs no margin approval"):
            order.action_request_margin_approval()

    def test_manager_without_email_approves_with_log_notes(self):
        order = self._order((self.lamp, 1, 100))
        order.action_request_margin_approval()
        self.assertFalse(self.mute_manager.email)
        self.assertGreater(len(self._margin_activities(order)), 1)
        messages = order.message_ids
        order.with_user(self.mute_manager).action_approve_margin()
        self.assertEqual(
            len(order.message_ids - messages), 1, "one note: the approval's"
        )
        self.assertEqual(order.margin_approved_by_id, self.mute_manager)
        self.assertFalse(order.margin_approval_requested)
        self.assertFalse(self._margin_activities(order), "activities are done")
        note = self._notes(order)[0]
        self.assertEqual(note.message_type, "notification")
        self.assertTrue(note.is_internal)
        self.assertEqual(note.author_id, self.mute_manager.partner_id)
        self.assertIn("PCV Mute Manager", note.body)
        self.assertRegex(
            order.margin_approval_summary,
            r"^Approved by PCV Mute Manager on .*\d{4}.* at 20\.00 %$",
        )
        order.order_line.price_unit = 95  # voided, logged without e-mail either
        self.assertFalse(order.margin_approved_by_id)
        self.assertIn("voided", self._notes(order)[0].body)
        self.assertIn("15.79 %", self._notes(order)[0].body)

    def test_subtype_has_a_plain_name(self):
        self.assertEqual(self.subtype.name, "Margin approval")
        self.assertEqual(self.activity_type.name, "Margin approval")

    def test_french_rates(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.salesman.lang = "fr_FR"
        order = self._order((self.lamp, 15, 100)).with_context(lang="fr_FR")
        order.order_line.purchase_price = 93.33  # 6.67 %
        with self.assertRefused(UserError, "6,67 %", "30,00 %"):
            order.action_confirm()
        order.action_request_margin_approval()
        self.assertIn("6,67 %", self._notes(order)[0].body)

    def test_portal_users_cannot_read_margins(self):
        portal = new_test_user(
            self.env, "pcv_portal_reader", groups="base.group_portal"
        )
        order = self._order((self.lamp, 1, 100), partner_id=portal.partner_id.id)
        with self.assertRaises(AccessError):
            order.with_user(portal).read(["margin_rate"])
        with self.assertRaises(AccessError):
            order.with_user(portal).read(["margin_approval_summary"])
