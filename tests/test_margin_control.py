# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import ast

from lxml import etree

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from .common_margin import MarginCase


class TestCategoryMargin(MarginCase):
    def test_rate_must_be_a_percentage(self):
        for rate in (-1, 100.5):
            with self.assertRefused(
                ValidationError, "PCV Root / PCV Lamps", "0 and 100"
            ):
                self.lamps.min_margin_rate = rate
        self.assertEqual(self.lamps.min_margin_rate, 30)
        self.lamps.min_margin_rate = 100
        self.lamps.min_margin_rate = 0
        self.assertEqual(self.lamps.effective_min_margin_rate, 15)

    def test_unset_rate_inherits_the_nearest_ancestor(self):
        self.assertEqual(self.furniture.effective_min_margin_rate, 15)
        self.assertEqual(self.furniture.min_margin_rate_source_id, self.view_root)
        self.assertEqual(self.lamps.effective_min_margin_rate, 30)
        self.assertEqual(self.lamps.min_margin_rate_source_id, self.lamps)
        chairs = self.env["product.category"].create(
            {"name": "PCV Chairs", "parent_id": self.furniture.id}
        )
        self.assertEqual(chairs.effective_min_margin_rate, 15)
        self.assertEqual(chairs.min_margin_rate_source_id, self.view_root)
        self.furniture.min_margin_rate = 25
        self.assertEqual(chairs.effective_min_margin_rate, 25)
        self.assertEqual(chairs.min_margin_rate_source_id, self.furniture)
        self.view_root.min_margin_rate = 0
        self.furniture.min_margin_rate = 0
        self.assertEqual(chairs.effective_min_margin_rate, 0)
        self.assertFalse(chairs.min_margin_rate_source_id)

    def test_category_form_follows_openfire_sections(self):
        arch = self.env["product.category"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        order = [
            arch.index(marker)
            for marker in (
                'name="parent_id"',
                'name="category_type"',
                'name="quote_section"',
                'name="min_margin_rate"',
                'name="is_main_article"',
                'name="property_cost_method"',
                'name="account_property"',
                'name="removal_strategy_id"',
            )
        ]
        self.assertEqual(order, sorted(order), "top, valuation, accounting, logistics")
        self.assertEqual(arch.count('name="property_cost_method"'), 1, "never copied")


class TestMainArticle(MarginCase):
    def test_main_article_is_the_highest_main_article_subtotal(self):
        order = self._order(
            (self.desk, 1, 100), (self.lamp, 2, 100), (self.setup_service, 10, 50)
        )
        lamp_line = order.order_line.filtered(lambda line: line.product_id == self.lamp)
        self.assertEqual(order.main_line_id, lamp_line, "services are no main article")
        self.assertEqual(order.main_product_id, self.lamp)
        self.assertEqual(order.required_margin_rate, 30)

    def test_ties_go_to_the_first_line_by_sequence(self):
        order = self._order((self.desk, 1, 100), (self.lamp, 1, 100))
        desk_line, lamp_line = order.order_line
        self.assertEqual(order.main_product_id, self.desk)
        lamp_line.sequence, desk_line.sequence = 1, 2
        self.assertEqual(order.main_product_id, self.lamp)

    def test_without_main_article_no_minimum_applies(self):
        order = self._order((self.setup_service, 1, 50))
        self.assertFalse(order.main_line_id)
        self.assertEqual(order.required_margin_rate, 0)
        self.assertAlmostEqual(order.margin_rate, 10)
        self.assertFalse(order.margin_below_minimum)
        order.action_confirm()
        self.assertEqual(order.state, "sale")


class TestMarginBlocking(MarginCase):
    def test_quotation_shows_rates_and_warning(self):
        order = self._order((self.lamp, 1, 100))
        self.assertEqual(order.required_margin_rate, 30)
        self.assertAlmostEqual(order.margin_rate, 20)
        self.assertAlmostEqual(order.margin_rate, order.margin_percent * 100)
        self.assertTrue(order.margin_below_minimum)
        self.assertTrue(order.margin_approval_needed)
        arch = order.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="margin_warning"', arch)
        good = self._order((self.lamp, 1, 200))
        self.assertAlmostEqual(good.margin_rate, 60)
        self.assertFalse(good.margin_below_minimum)

    def test_figures_of_many_quotations_take_the_queries_of_one(self):
        """A list of quotations reads their margin figures (rate, minimum,
        approval, products without cost) in as many queries as one quotation:
        none of them is read once per quotation."""

        def queries(orders):
            self.env.invalidate_all(flush=True)
            orders.read(["margin_percent"])  # Odoo's own figures, read first
            before = self.env.cr.sql_log_count
            orders.read(
                [
                    "margin_rate",
                    "required_margin_rate",
                    "margin_approval_state",
                    "margin_missing_cost_products",
                    "margin_approval_summary",
                ]
            )
            return self.env.cr.sql_log_count - before

        orders = self.env["sale.order"].concat(
            *(
                self._order((self.lamp, 1, price), (self.desk, 1, price))
                for price in range(100, 150, 10)
            )
        )
        orders.order_line.filtered(
            lambda line: line.product_id == self.desk
        ).purchase_price = 0
        self.assertEqual(len(orders.filtered("margin_missing_cost_products")), 5)
        queries(orders)  # the caches of access rules and groups, warm
        self.assertEqual(queries(orders), queries(orders[:1]))

    def _below_minimum_filter(self):
        """The domain of the quotations' "Below Minimum Margin" filter, as the
        salesperson's search view holds it."""
        arch = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .get_view(self.env.ref("sale.view_sales_order_filter").id, "search")["arch"]
        )
        node = etree.fromstring(arch).find(".//filter[@name='margin_below_minimum']")
        self.assertEqual(node.get("string"), "Below Minimum Margin")
        return ast.literal_eval(node.get("domain"))

    def test_quotations_below_minimum_are_found_before_anyone_asks(self):
        below_desk = self._order((self.desk, 1, 65))  # 7.69 % < 15 %
        below_lamp = self._order((self.lamp, 1, 100))  # 20 % < 30 %
        at_minimum = self._order((self.lamp, 1, 80 / 0.7))  # 30 % exactly
        above = self._order((self.desk, 1, 100))  # 40 %
        no_main_article = self._order((self.setup_service, 1, 46))
        confirmed = self._order((self.desk, 1, 65))
        confirmed.with_user(self.sale_manager).action_approve_margin()
        confirmed.action_confirm()
        orders = below_desk | below_lamp | at_minimum | above | no_main_article
        orders |= confirmed
        Order = self.env["sale.order"].with_user(self.salesman)
        domain = [*self._below_minimum_filter(), ("id", "in", orders.ids)]
        self.assertEqual(Order.search(domain), below_desk | below_lamp)
        # the search decides as the form does, order by order
        self.assertEqual(
            Order.search(
                [("margin_below_minimum", "=", True), ("id", "in", orders.ids)]
            ),
            orders.filtered("margin_below_minimum"),
        )
        self.assertEqual(
            Order.search(
                [("margin_below_minimum", "!=", True), ("id", "in", orders.ids)]
            ),
            orders - orders.filtered("margin_below_minimum"),
        )
        with self.assertRaises(NotImplementedError):
            Order.search([("margin_below_minimum", ">", 1)])
        # the red rows of the list: open quotations below their minimum, for
        # employees only
        self.assertEqual(orders.filtered("margin_alert"), below_desk | below_lamp)
        portal = new_test_user(self.env, "pcv_alert_portal", groups="base.group_portal")
        self.assertFalse(below_desk.with_user(portal).sudo().margin_alert)
        # under the Off policy no minimum applies
        self.company.margin_policy = "off"
        self.assertFalse(Order.search(domain))

    def test_quotation_list_shows_required_rate_and_flags_rows_below(self):
        arch = etree.fromstring(
            self.env["sale.order"]
            .with_user(self.salesman)
            .get_view(self.env.ref("sale.view_quotation_tree").id, "list")["arch"]
        )
        self.assertEqual(arch.get("decoration-danger"), "margin_alert")
        names = [field.get("name") for field in arch.iter("field")]
        self.assertEqual(names[names.index("required_margin_rate") + 1], "margin_rate")
        required = arch.find(".//field[@name='required_margin_rate']")
        self.assertEqual(required.get("optional"), "hide")

    def test_confirm_below_minimum_is_refused_with_reason(self):
        order = self._order((self.lamp, 1, 100))
        with self.assertRefused(
            UserError,
            order.name,
            "PCV Lamp",
            "PCV Root / PCV Lamps",
            "30.00 %",
            "20.00 %",
        ):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_inherited_rate_names_the_category_it_comes_from(self):
        order = self._order((self.desk, 1, 110))  # 45.45 %
        order.order_line.price_unit = 65  # 7.69 % < 15 % inherited from the root
        with self.assertRefused(UserError, "PCV Desk", "PCV Root", "15.00 %", "7.69 %"):
            order.action_confirm()

    def test_rpc_confirm_is_refused(self):
        order = self._order((self.lamp, 1, 100))
        env = self.env(user=self.salesman)
        with self.assertRefused(UserError, order.name):
            call_kw(env["sale.order"], "action_confirm", [order.ids], {})
        self.assertEqual(order.state, "draft")

    def test_batch_confirmation_is_all_or_nothing(self):
        good = self._order((self.desk, 1, 100))
        bad = self._order((self.lamp, 1, 100))
        other_good = self._order((self.lamp, 1, 150))
        batch = good | bad | other_good
        with self.assertRefused(UserError, bad.name):
            batch.action_confirm()
        self.assertEqual(batch.mapped("state"), ["draft"] * 3)
        (good | other_good).action_confirm()
        self.assertEqual((good | other_good).mapped("state"), ["sale", "sale"])

    def test_zero_amount_quotation_needs_approval(self):
        """Documented rule: a quotation with a zero untaxed amount has a 0 % margin
        rate (as sale_margin shows it), so a positive minimum blocks it."""
        order = self._order((self.desk, 1, 0))
        self.assertEqual(order.amount_untaxed, 0)
        self.assertEqual(order.margin_rate, 0)
        with self.assertRefused(UserError, "0.00 %", "15.00 %"):
            order.action_confirm()
        order.with_user(self.sale_manager).action_approve_margin()
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_foreign_currency_quotation(self):
        company_currency = self.company.currency_id
        foreign = self.env.ref("base.EUR")
        if foreign == company_currency:
            foreign = self.env.ref("base.USD")
        foreign.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": foreign.id,
                "company_id": self.company.id,
                "name": "2000-01-01",
                "rate": 2.0 * company_currency.rate,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "PCV Foreign", "currency_id": foreign.id}
        )
        order = self._order((self.lamp, 1, 200), pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, foreign)
        # cost 80 in company currency is 160 in the order's currency: 20 %
        self.assertAlmostEqual(order.order_line.purchase_price, 160)
        self.assertAlmostEqual(order.margin_rate, 20)
        with self.assertRefused(UserError, "30.00 %", "20.00 %"):
            order.action_confirm()
        order.order_line.price_unit = 250  # 36 %
        order.action_confirm()
        self.assertEqual(order.state, "sale")


class TestMarginApproval(MarginCase):
    def test_manager_approves_and_the_chatter_records_it(self):
        order = self._order((self.lamp, 1, 100))
        order.with_user(self.sale_manager).action_approve_margin()
        self.assertEqual(order.margin_approved_by_id, self.sale_manager)
        self.assertTrue(order.margin_approved_date)
        self.assertAlmostEqual(order.margin_approved_rate, 20)
        self.assertFalse(order.margin_approval_needed)
        note = order.message_ids[0]
        self.assertEqual(
            note.subtype_id,
            self.env.ref("product_category_valuation.mt_margin_approval"),
        )
        self.assertEqual(note.author_id, self.sale_manager.partner_id)
        self.assertIn(self.sale_manager.name, note.body)
        self.assertIn("20.00 %", note.body)
        order.action_confirm()  # by the salesperson
        self.assertEqual(order.state, "sale")

    def test_the_manager_approves_the_rate_the_form_shows(self):
        """The form showed 20 %; meanwhile the salesperson lowered the price to
        a 5 % margin: the approval is refused and nothing is written."""
        order = self._order((self.lamp, 1, 100))
        form_rate = order.margin_rate
        order.order_line.price_unit = 84.21
        self.assertAlmostEqual(order.margin_rate, 5, 2)
        notes = len(order.message_ids)
        manager = order.with_user(self.sale_manager).with_context(
            margin_rate_seen=form_rate
        )
        with self.assertRefused(
            UserError, "the margin changed to 5.00 % since you opened it (20.00 %)"
        ):
            manager.action_approve_margin()
        self.assertFalse(order.margin_approved_by_id)
        self.assertEqual(len(order.message_ids), notes)
        manager.with_context(margin_rate_seen=order.margin_rate).action_approve_margin()
        self.assertAlmostEqual(order.margin_approved_rate, 5, 2)
        # a rate seen lower than today's is approved as seen
        other = self._order((self.lamp, 1, 100))
        other.with_user(self.sale_manager).with_context(
            margin_rate_seen=10.0
        ).action_approve_margin()
        self.assertEqual(other.margin_approved_rate, 10.0)
        self.assertIn("10.00 %", other.message_ids[0].body)

    def test_the_status_follows_the_approval(self):
        """The Margin Approval Status that the form's buttons and warning
        follow: empty above the minimum, to approve below it, requested once a
        salesperson asks, approved once a manager approves, to approve again
        when the rate falls below the approved one."""
        order = self._order((self.lamp, 1, 200))
        self.assertFalse(order.margin_approval_state)
        order.order_line.price_unit = 100
        self.assertEqual(order.margin_approval_state, "to_approve")
        order.action_request_margin_approval()
        self.assertEqual(order.margin_approval_state, "requested")
        order.with_user(self.sale_manager).action_approve_margin()
        self.assertEqual(order.margin_approval_state, "approved")
        order.order_line.price_unit = 90
        self.assertEqual(order.margin_approval_state, "to_approve")
        self.company.margin_policy = "warn"
        self.assertFalse(order.margin_approval_state, "nothing to approve")

    def test_a_request_records_the_rate_requested(self):
        order = self._order((self.lamp, 1, 100))
        with self.assertRefused(UserError, "the margin changed to 20.00 %"):
            order.with_context(margin_rate_seen=25.0).action_request_margin_approval()
        self.assertFalse(order.margin_approval_requested)
        order.with_context(margin_rate_seen=20.0).action_request_margin_approval()
        self.assertTrue(order.margin_approval_requested)
        self.assertEqual(order.margin_requested_rate, 20.0)
        self.assertIn("at 20.00 %", order.message_ids[0].body)

    def test_the_buttons_carry_the_rate_of_the_form(self):
        arch = self.env["sale.order"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        for button in ("action_approve_margin", "action_request_margin_approval"):
            node = etree.fromstring(arch).xpath(f"//button[@name='{button}']")[0]
            self.assertEqual(
                node.get("context"), "{'margin_rate_seen': margin_rate}", button
            )

    def test_salesperson_cannot_approve(self):
        order = self._order((self.lamp, 1, 100))
        with self.assertRefused(AccessError, "sales managers"):
            order.action_approve_margin()
        with self.assertRefused(AccessError, "sales managers"):
            order.write({"margin_approved_by_id": self.sale_manager.id})
        self.assertFalse(order.margin_approved_by_id)
        self.assertTrue(order.margin_approval_needed)

    def test_salesperson_cannot_create_an_approved_quotation(self):
        approval = {
            "margin_approved_by_id": self.sale_manager.id,
            "margin_approved_rate": 1.0,
        }
        with self.assertRefused(AccessError, "sales managers"):
            self._order((self.lamp, 1, 100), **approval)
        defaults = {f"default_{name}": value for name, value in approval.items()}
        Order = self.env["sale.order"].with_user(self.salesman)
        with self.assertRefused(AccessError, "sales managers"):
            Order.with_context(**defaults).create({"partner_id": self.customer.id})
        order = self._order((self.lamp, 1, 100))
        self.assertTrue(order.margin_approval_needed)
        self.assertFalse(order.copy().margin_approved_by_id)

    def test_nothing_to_approve_above_minimum(self):
        order = self._order((self.lamp, 1, 200))
        with self.assertRefused(UserError, order.name, "nothing to approve"):
            order.with_user(self.sale_manager).action_approve_margin()

    def _approved_order(self):
        # main article: the lamps (190 > 100), 30 % required; rate 70 / 290 = 24.14 %
        order = self._order((self.lamp, 2, 95), (self.desk, 1, 100))
        self.assertEqual(order.main_product_id, self.lamp)
        self.assertAlmostEqual(order.margin_rate, 24.14, places=2)
        order.with_user(self.sale_manager).action_approve_margin()
        self.assertTrue(order.margin_approved_by_id)
        return order

    def _assert_voided(self, order):
        self.assertFalse(order.margin_approved_by_id)
        self.assertIn("voided", order.message_ids[0].body)
        with self.assertRefused(UserError, order.name):
            order.action_confirm()

    def test_lower_price_voids_the_approval(self):
        order = self._approved_order()
        order.order_line[0].price_unit = 90
        self._assert_voided(order)

    def test_higher_cost_voids_the_approval(self):
        order = self._approved_order()
        order.order_line[1].purchase_price = 70
        self._assert_voided(order)

    def test_quantity_change_that_lowers_the_rate_voids_the_approval(self):
        order = self._approved_order()
        order.order_line[0].product_uom_qty = 3  # more low-margin lamps: 22.08 %
        self._assert_voided(order)

    def test_removing_a_line_voids_the_approval(self):
        order = self._approved_order()
        order.order_line[1].unlink()  # the desk carried the margin
        self._assert_voided(order)

    def test_adding_a_line_through_the_order_voids_the_approval(self):
        order = self._approved_order()
        order.write(
            {
                "order_line": [
                    Command.create({"product_id": self.lamp.id, "price_unit": 81})
                ]
            }
        )
        self._assert_voided(order)

    def test_changes_that_keep_the_rate_keep_the_approval(self):
        order = self._approved_order()
        order.order_line[1].price_unit = 120
        order.order_line[0].name = "PCV Lamp, blue"
        self.assertEqual(order.margin_approved_by_id, self.sale_manager)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_copy_does_not_carry_the_approval(self):
        order = self._approved_order()
        self.assertFalse(order.copy().margin_approved_by_id)


class TestQuoteSection(MarginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.furniture.quote_section = "Furniture"

    def _layout(self, order):
        return [
            (line.display_type or "product", line.name.split("\n")[0])
            for line in order.order_line.sorted(lambda line: (line.sequence, line.id))
        ]

    def test_section_is_created_at_the_end_then_reused(self):
        order = self._order((self.lamp, 1, 100), (self.desk, 1, 100))
        self.assertEqual(
            self._layout(order),
            [
                ("product", "PCV Lamp"),
                ("line_section", "Furniture"),
                ("product", "PCV Desk"),
            ],
        )
        order.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "display_type": "line_section",
                            "name": "Other",
                            "sequence": 20,
                        }
                    ),
                    Command.create(
                        {"product_id": self.setup_service.id, "sequence": 21}
                    ),
                ]
            }
        )
        self.env["sale.order.line"].with_user(self.sale_manager).create(
            {"order_id": order.id, "product_id": self.desk.id}
        )
        self.assertEqual(
            self._layout(order),
            [
                ("product", "PCV Lamp"),
                ("line_section", "Furniture"),
                ("product", "PCV Desk"),
                ("product", "PCV Desk"),
                ("line_section", "Other"),
                ("product", "PCV Set-up"),
            ],
        )
        self.assertEqual(
            len(order.order_line.filtered(lambda line: line.name == "Furniture")), 1
        )

    def test_products_without_section_are_untouched(self):
        order = self._order((self.lamp, 1, 100), (self.setup_service, 1, 50))
        self.assertFalse(order.order_line.filtered("display_type"))
        self.assertEqual(
            self._layout(order), [("product", "PCV Lamp"), ("product", "PCV Set-up")]
        )

    def test_lines_can_still_be_moved_by_hand(self):
        order = self._order((self.lamp, 1, 100), (self.desk, 1, 100))
        desk_line = order.order_line.filtered(lambda line: line.product_id == self.desk)
        desk_line.sequence = 0
        self.assertEqual(self._layout(order)[0], ("product", "PCV Desk"))

    def test_section_from_the_quotation_form(self):
        order = self._order((self.lamp, 1, 100))
        with Form(order.with_user(self.salesman)) as form:
            with form.order_line.new() as line:
                line.product_id = self.desk
        self.assertEqual(
            self._layout(order),
            [
                ("product", "PCV Lamp"),
                ("line_section", "Furniture"),
                ("product", "PCV Desk"),
            ],
        )
