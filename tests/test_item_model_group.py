# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Dynamics 365 "item model groups": stock policies per group of
products, kept in agreement with Odoo's product categories; negative physical
inventory forbidden by group, category (down the tree) or company; item groups
required where the company wants them."""

from unittest.mock import patch

from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common_item_model_group import ItemModelGroupCase

REFUSAL = (
    "Negative physical inventory is forbidden for PCV Bolt: WH/Stock holds 3.00 "
    "Units and 5.00 Units are asked. Nothing was validated: receive or count the "
    "missing quantity first."
)


class TestItemModelGroupChatter(ItemModelGroupCase):
    def test_chatter_tracks_the_stock_policies(self):
        # what the class set-up left untracked is settled first
        self.env.cr.precommit.run()
        group = self.group.with_context(tracking_disable=False, mail_notrack=False)
        group.write({"negative_inventory": "forbidden", "stocked_product": False})
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = {
            value.field_id.name: (value.old_value_char, value.new_value_char)
            for value in group.message_ids.tracking_value_ids
        }
        self.assertEqual(tracked["negative_inventory"], ("Allowed", "Forbidden"))
        self.assertIn("stocked_product", tracked)
        self.assertIn("<chatter", group.get_view(view_type="form")["arch"])


class TestItemModelGroupChoice(ItemModelGroupCase):
    def test_product_form_offers_only_the_groups_that_agree(self):
        standard = self.Group.create(
            {"name": "Standard", "code": "STD", "inventory_model": "standard"}
        )
        perpetual = self.Group.create(
            {
                "name": "Perpetual FIFO",
                "code": "PERP",
                "inventory_model": "fifo",
                "inventory_posting": "real_time",
            }
        )
        consumable = self.Group.create(
            {
                "name": "Consumable FIFO",
                "code": "CONS",
                "inventory_model": "fifo",
                "stocked_product": False,
            }
        )
        template = self.bolt.product_tmpl_id
        arch = etree.fromstring(template.get_view(view_type="form")["arch"])
        # the form holds what the domain reads
        for fname in ("cost_method", "valuation", "is_storable"):
            self.assertIsNotNone(arch.find(f".//field[@name='{fname}']"))
        values = {
            "cost_method": template.cost_method,
            "valuation": template.valuation,
            "is_storable": template.is_storable,
            "current_company_id": self.company.id,
        }
        field = template.fields_get(["item_model_group_id"])["item_model_group_id"]
        domain = safe_eval(field["domain"], values)
        groups = self.Group.search(
            [
                *domain,
                ("id", "in", (self.group | standard | perpetual | consumable).ids),
            ]
        )
        self.assertEqual(groups, self.group)
        # the refusal stays for imports and RPC
        with self.assertRaises(ValidationError):
            template.item_model_group_id = standard


class TestNegativeInventoryRule(ItemModelGroupCase):
    def test_allowed_by_default_as_in_odoo(self):
        self.assertEqual(self.company.negative_inventory, "allowed")
        self.assertFalse(self.bolt.product_tmpl_id._negative_inventory_forbidden())
        self._delivery(5).button_validate()
        self.assertEqual(self._on_hand(), -2)

    def test_rule_inherits_down_the_tree_until_allowed(self):
        Category = self.env["product.category"]
        chairs = Category.create({"name": "Chairs", "parent_id": self.furniture.id})
        kids = Category.create({"name": "Kids", "parent_id": chairs.id})
        self.view_root.negative_inventory = "forbidden"
        self.assertEqual(self.furniture.effective_negative_inventory, "forbidden")
        self.assertEqual(kids.effective_negative_inventory, "forbidden")
        chairs.negative_inventory = "allowed"  # stops the inheritance
        self.assertEqual(chairs.effective_negative_inventory, "allowed")
        self.assertEqual(kids.effective_negative_inventory, "allowed")
        self.assertEqual(self.lamps.effective_negative_inventory, "forbidden")
        template = self.bolt.product_tmpl_id
        self.assertTrue(template._negative_inventory_forbidden())
        template.categ_id = kids
        self.assertFalse(template._negative_inventory_forbidden())
        self.company.negative_inventory = "forbidden"
        self.assertFalse(template._negative_inventory_forbidden(), "category wins")
        self.view_root.negative_inventory = False
        chairs.negative_inventory = False
        self.assertTrue(template._negative_inventory_forbidden(), "company default")

    def test_item_model_group_wins(self):
        self.furniture.negative_inventory = "forbidden"
        self.bolt.item_model_group_id = self.group  # allowed
        self.assertFalse(self.bolt.product_tmpl_id._negative_inventory_forbidden())
        self.group.negative_inventory = "forbidden"
        self.furniture.negative_inventory = "allowed"
        self.assertTrue(self.bolt.product_tmpl_id._negative_inventory_forbidden())

    def test_refused_delivery_names_everything_and_writes_nothing(self):
        self.furniture.negative_inventory = "forbidden"
        picking = self._delivery(5)
        with self.assertRaises(UserError) as caught:
            picking.button_validate()
        self.assertEqual(str(caught.exception), REFUSAL)
        self.env.invalidate_all()  # as the rolled-back request would leave it
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.move_ids.state, "assigned")
        self.assertEqual(self._on_hand(), 3)
        self.assertFalse(
            self.env["stock.move.line"].search(
                [("product_id", "=", self.bolt.id), ("state", "=", "done")]
            )
        )
        self._delivery(3).button_validate()  # down to zero is fine
        self.assertEqual(self._on_hand(), 0)

    def test_exempt_location_and_its_children(self):
        self.company.negative_inventory = "forbidden"
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock.id}
        )
        self.env["stock.quant"]._update_available_quantity(self.bolt, shelf, 1)
        self.stock.allow_negative_inventory = True
        self.assertTrue(shelf._negative_inventory_exempt())
        self._delivery(5).button_validate()
        self.assertEqual(self._on_hand(), -1, "3 + 1 on the shelf - 5")

    def test_each_product_is_checked_in_its_own_location(self):
        """The quants of a batch are read for its products and its locations
        at once: a product's stock elsewhere, even in a location that the same
        batch takes another product from, never covers it."""
        self.company.negative_inventory = "forbidden"
        backroom = self.env["stock.location"].create(
            {"name": "Backroom", "location_id": self.warehouse.view_location_id.id}
        )
        nut = self.env["product.product"].create(
            {"name": "PCV Nut", "is_storable": True, "categ_id": self.furniture.id}
        )
        self.env["stock.quant"]._update_available_quantity(nut, backroom, 4)
        bolt_from_backroom = self._delivery(2, location=backroom)
        nut_from_stock = self._delivery(1, product=nut)
        with self.assertRaises(UserError) as caught:
            (bolt_from_backroom | nut_from_stock).button_validate()
        self.assertIn(
            "forbidden for PCV Bolt: WH/Backroom holds 0.00 Units and 2.00 Units",
            str(caught.exception),
        )
        self.assertEqual(self._on_hand(), 3)
        self.assertEqual(self._on_hand(nut, backroom), 4)

    def test_batch_of_pickings_is_all_or_nothing(self):
        self.group.negative_inventory = "forbidden"
        self.bolt.item_model_group_id = self.group
        first, second = self._delivery(2), self._delivery(2)
        with self.assertRaises(UserError) as caught:
            (first | second).button_validate()
        self.assertIn(
            "holds 3.00 Units and 4.00 Units are asked", str(caught.exception)
        )
        self.assertEqual((first | second).mapped("state"), ["assigned", "assigned"])
        self.assertEqual(self._on_hand(), 3)
        first.button_validate()
        self.assertEqual(first.state, "done")
        self.assertEqual(self._on_hand(), 1)

    def test_receipt_in_the_same_batch_covers_the_delivery(self):
        self.furniture.negative_inventory = "forbidden"
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.stock.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": "bolts",
                            "product_id": self.bolt.id,
                            "product_uom_qty": 2,
                            "product_uom": self.bolt.uom_id.id,
                            "location_id": self.env.ref(
                                "stock.stock_location_suppliers"
                            ).id,
                            "location_dest_id": self.stock.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_ids.write({"quantity": 2, "picked": True})
        delivery = self._delivery(5)
        (receipt | delivery).button_validate()
        self.assertEqual(self._on_hand(), 0)

    def test_inventory_adjustment_is_refused(self):
        self.furniture.negative_inventory = "forbidden"
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.bolt.id), ("location_id", "=", self.stock.id)]
        )
        quant.inventory_quantity = -1
        with self.assertRaises(UserError) as caught:
            quant.action_apply_inventory()
        self.assertEqual(
            str(caught.exception),
            "Negative physical inventory is forbidden for PCV Bolt: WH/Stock was "
            "counted at -1.00 Units, which would leave less than nothing. Nothing "
            "was applied: count zero or more, or receive the missing quantity first.",
        )
        self.assertEqual(self._on_hand(), 3)
        quant.inventory_quantity = 1
        quant.action_apply_inventory()
        self.assertEqual(self._on_hand(), 1)

    def test_scrap_is_refused(self):
        self.furniture.negative_inventory = "forbidden"
        scrap = self.env["stock.scrap"].create(
            {"product_id": self.bolt.id, "scrap_qty": 5, "location_id": self.stock.id}
        )
        with self.assertRaises(UserError) as caught:
            scrap.do_scrap()
        self.assertIn("PCV Bolt", str(caught.exception))
        self.env.invalidate_all()
        self.assertEqual(scrap.state, "draft")
        self.assertEqual(self._on_hand(), 3)

    def test_one_query_per_validation(self):
        """The check reads the quants of a whole batch at once: as many queries
        for one line as for ten."""
        self.furniture.negative_inventory = "forbidden"
        products = self.env["product.product"].create(
            [
                {
                    "name": f"PCV Part {i}",
                    "is_storable": True,
                    "categ_id": self.furniture.id,
                }
                for i in range(10)
            ]
        )
        for product in products:
            self.env["stock.quant"]._update_available_quantity(product, self.stock, 5)

        def queries(pickings):
            """(all queries, queries on the quants) of the check of ``pickings``."""
            self.env.invalidate_all()
            lines = pickings.move_line_ids
            executed = []
            cursor_class = type(self.env.cr)
            execute = cursor_class.execute

            def spy(cr, query, *args, **kwargs):
                executed.append(str(getattr(query, "code", query)))
                return execute(cr, query, *args, **kwargs)

            with patch.object(cursor_class, "execute", spy):
                lines._check_negative_inventory()
            return len(executed), len([q for q in executed if "stock_quant" in q])

        one_total, one_quants = queries(self._delivery(1, products[0]))
        ten = self.env["stock.picking"].browse(
            [self._delivery(1, product).id for product in products]
        )
        ten_total, ten_quants = queries(ten)
        self.assertEqual((one_quants, ten_quants), (1, 1))
        self.assertLessEqual(ten_total, one_total + 1, "no query per line")

    def test_rule_is_per_company(self):
        other = self.env["res.company"].create(
            {"name": "PCV Other", "negative_inventory": "forbidden"}
        )
        self.assertEqual(self.company.negative_inventory, "allowed")
        template = self.bolt.product_tmpl_id
        self.assertTrue(template.with_company(other)._negative_inventory_forbidden())
        self.assertFalse(template._negative_inventory_forbidden())
        other_group = self.Group.create(
            {"name": "Other", "code": "STOCK-FIFO", "company_id": other.id}
        )
        with self.assertRefused(ValidationError, "PCV Other"):
            template.item_model_group_id = other_group
        self.assertFalse(template.item_model_group_id)


class TestItemModelGroupConsistency(ItemModelGroupCase):
    def test_agreeing_group_is_accepted_and_shows_its_products(self):
        self.bolt.item_model_group_id = self.group
        self.assertEqual(self.group.product_ids, self.bolt.product_tmpl_id)
        self.assertEqual(self.group.product_count, 1)
        self.assertEqual(self.group.category_ids, self.furniture)

    def test_assigning_a_disagreeing_group_is_refused(self):
        average = self.Group.create(
            {"name": "Average", "code": "AVG", "inventory_model": "average"}
        )
        with self.assertRefused(
            ValidationError, "[AVG] Average", "PCV Root / PCV Furniture", "PCV Bolt"
        ):
            self.bolt.item_model_group_id = average
        self.assertFalse(self.bolt.item_model_group_id)

    def test_moving_the_product_to_another_category_is_refused(self):
        self.bolt.item_model_group_id = self.group
        with self.assertRefused(
            ValidationError, "[STOCK-FIFO] Stocked FIFO", "PCV Root / PCV Lamps"
        ):
            self.bolt.categ_id = self.lamps  # standard price
        self.assertEqual(self.bolt.categ_id, self.furniture)

    def test_storability_must_match(self):
        screw = self.env["product.product"].create(
            {
                "name": "PCV Screw",
                "is_storable": True,
                "categ_id": self.furniture.id,
                "item_model_group_id": self.group.id,
            }
        )
        with self.assertRefused(ValidationError, "Track Inventory", "PCV Screw"):
            screw.is_storable = False
        self.assertTrue(screw.is_storable)

    def test_editing_the_group_is_refused(self):
        self.bolt.item_model_group_id = self.group
        with self.assertRefused(ValidationError, "PCV Bolt", "Inventory Valuation"):
            self.group.inventory_posting = "real_time"
        self.assertEqual(self.group.inventory_posting, "manual_periodic")

    def test_editing_the_category_is_refused(self):
        self.bolt.item_model_group_id = self.group
        with self.assertRefused(ValidationError, "PCV Bolt", "Costing Method"):
            self.furniture.property_cost_method = "average"
        self.assertEqual(self.furniture.property_cost_method, "fifo")

    def test_code_is_unique_per_company(self):
        other = self.env["res.company"].create({"name": "PCV Elsewhere"})
        self.Group.create(
            {"name": "Same", "code": "STOCK-FIFO", "company_id": other.id}
        )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.Group.create({"name": "Twice", "code": "STOCK-FIFO"})


class TestItemGroupRequired(ItemModelGroupCase):
    def test_off_by_default(self):
        self.assertFalse(self.company.item_group_required)
        self.env["product.product"].create(
            {"name": "PCV Free", "is_storable": True, "categ_id": self.furniture.id}
        )

    def test_storable_products_need_an_item_group(self):
        self.company.item_group_required = True
        with self.assertRefused(ValidationError, "requires an item group", "PCV Nut"):
            self.env["product.product"].create(
                {"name": "PCV Nut", "is_storable": True, "categ_id": self.furniture.id}
            )
        group = self.env["product.item.group"].create({"name": "Parts", "code": "P"})
        nut = self.env["product.product"].create(
            {
                "name": "PCV Nut",
                "is_storable": True,
                "categ_id": self.furniture.id,
                "item_group_id": group.id,
            }
        )
        with self.assertRefused(ValidationError, "PCV Nut"):
            nut.item_group_id = False
        service = self.env["product.product"].create(
            {"name": "PCV Advice", "type": "service"}
        )
        self.assertFalse(service.item_group_id)
        lacking = self.env["product.template"].search(
            [("item_group_id", "=", False), ("id", "=", self.bolt.product_tmpl_id.id)]
        )
        self.assertEqual(lacking, self.bolt.product_tmpl_id, "the filter finds it")
