# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from .common import CategoryValuationCase


class TestCategoryType(CategoryValuationCase):
    """OpenFire's category guide, "Type de catégorie": a View category only
    parents other categories; products live in Normal categories."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Template = cls.env["product.template"]
        cls.chair, cls.table, cls.stool = cls.Template.create(
            [
                {"name": "PCV Chair", "categ_id": cls.furniture.id},
                {"name": "PCV Table", "categ_id": cls.furniture.id},
                {"name": "PCV Stool", "categ_id": cls.lamps.id},
            ]
        )

    def _count(self, model, name):
        return (
            self.env[model]
            .with_context(active_test=False)
            .search_count([("name", "=", name)])
        )

    def test_view_category_shows_its_childrens_products_read_only(self):
        action = self.view_root.action_open_products()
        products = self.Template.search(action["domain"])
        self.assertEqual(
            products & (self.chair | self.table | self.stool),
            self.chair | self.table | self.stool,
        )
        self.assertFalse(products.categ_id & self.view_root)
        for key in ("create", "edit", "delete", "group_create"):
            self.assertIs(action["context"][key], False, key)
        self.assertNotIn("default_categ_id", action["context"])
        arch = etree.fromstring(
            self.env["product.category"].get_view(view_type="form")["arch"]
        )
        buttons = arch.xpath("//div[@name='button_box']/button[@icon='fa-th-list']")
        self.assertEqual(
            {button.get("invisible") for button in buttons},
            {"category_type == 'view'", "category_type != 'view'"},
        )

    def test_default_type_is_normal(self):
        category = self.env["product.category"].create({"name": "PCV Default"})
        self.assertEqual(category.category_type, "normal")
        self.assertEqual(self.view_root.category_type, "view")

    def test_create_template_in_view_category_is_refused(self):
        with self.assertRefused(
            ValidationError, "PCV Root", "View category", "PCV Desk"
        ):
            self.Template.create({"name": "PCV Desk", "categ_id": self.view_root.id})
        self.assertEqual(self._count("product.template", "PCV Desk"), 0)

    def test_create_variant_in_view_category_is_refused(self):
        with self.assertRefused(ValidationError, "PCV Bench", "PCV Root"):
            self.env["product.product"].create(
                {"name": "PCV Bench", "categ_id": self.view_root.id}
            )
        self.assertEqual(self._count("product.product", "PCV Bench"), 0)
        self.assertEqual(self._count("product.template", "PCV Bench"), 0)

    def test_move_one_product_into_view_category_is_refused(self):
        with self.assertRefused(ValidationError, "PCV Chair", "PCV Root"):
            self.chair.write({"categ_id": self.view_root.id})
        self.assertEqual(self.chair.categ_id, self.furniture)

    def test_move_variant_into_view_category_is_refused(self):
        variant = self.table.product_variant_id
        with self.assertRefused(ValidationError, "PCV Table", "PCV Root"):
            variant.categ_id = self.view_root
        self.assertEqual(variant.categ_id, self.furniture)

    def test_batch_move_names_every_product_and_writes_nothing(self):
        products = self.chair | self.table | self.stool
        with self.assertRaises(ValidationError) as caught:
            products.write({"categ_id": self.view_root.id})
        message = str(caught.exception)
        for name in ("PCV Chair", "PCV Table", "PCV Stool", "PCV Root"):
            self.assertIn(name, message)
        self.assertEqual(
            products.mapped("categ_id"), self.furniture | self.lamps, "nothing moved"
        )
        self.assertEqual(self.stool.categ_id, self.lamps)

    def test_switching_a_category_with_products_to_view_is_refused(self):
        with self.assertRefused(
            ValidationError, "PCV Root / PCV Furniture", "PCV Chair", "PCV Table"
        ):
            self.furniture.category_type = "view"
        self.assertEqual(self.furniture.category_type, "normal")

    def test_archived_products_also_block_the_switch(self):
        self.stool.active = False
        with self.assertRefused(ValidationError, "PCV Stool"):
            self.lamps.category_type = "view"
        self.assertEqual(self.lamps.category_type, "normal")

    def test_long_product_lists_are_shortened(self):
        self.Template.create(
            [{"name": f"PCV Lamp {i}", "categ_id": self.lamps.id} for i in range(7)]
        )
        with self.assertRefused(ValidationError, "and 3 more"):
            self.lamps.category_type = "view"

    def test_empty_category_switches_freely(self):
        empty = self.env["product.category"].create(
            {"name": "PCV Empty", "parent_id": self.view_root.id}
        )
        empty.category_type = "view"
        self.assertEqual(empty.category_type, "view")
        empty.category_type = "normal"
        self.assertEqual(empty.category_type, "normal")
        # once back to Normal, it accepts products again
        self.chair.categ_id = empty
        self.assertEqual(self.chair.categ_id, empty)

    def test_stock_manager_obeys_the_rule(self):
        """A non-admin stock manager gets the same refusal, and nothing is written."""
        Template = self.Template.with_user(self.stock_manager)
        with self.assertRefused(ValidationError, "PCV Crate", "PCV Root"):
            Template.create({"name": "PCV Crate", "categ_id": self.view_root.id})
        chair = self.chair.with_user(self.stock_manager)
        with self.assertRefused(ValidationError, "PCV Chair", "PCV Root"):
            chair.categ_id = self.view_root
        furniture = self.furniture.with_user(self.stock_manager)
        with self.assertRefused(ValidationError, "PCV Furniture"):
            furniture.category_type = "view"
        self.assertEqual(self.chair.categ_id, self.furniture)
        self.assertEqual(self.furniture.category_type, "normal")
        self.assertEqual(self._count("product.template", "PCV Crate"), 0)
        # ... and may still create products in a Normal category
        crate = Template.create({"name": "PCV Crate", "categ_id": self.furniture.id})
        self.assertEqual(crate.categ_id, self.furniture)

    def test_stock_user_reads_the_type(self):
        categories = (self.view_root | self.furniture).with_user(self.stock_user)
        self.assertEqual(categories.mapped("category_type"), ["view", "normal"])
        found = (
            self.env["product.category"]
            .with_user(self.stock_user)
            .search([("category_type", "=", "view"), ("id", "in", categories.ids)])
        )
        self.assertEqual(found, self.view_root)

    def _arch(self, model, view_type):
        views = self.env[model].get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_product_forms_propose_only_normal_categories(self):
        for model in ("product.template", "product.product"):
            field = self._arch(model, "form").xpath("//field[@name='categ_id']")[0]
            domain = safe_eval(field.get("domain"))
            proposed = self.env["product.category"].search(
                domain + [("id", "child_of", self.view_root.id)]
            )
            self.assertEqual(proposed, self.furniture | self.lamps, model)

    def test_category_views_show_and_filter_the_type(self):
        for view_type in ("form", "list"):
            arch = self._arch("product.category", view_type)
            self.assertTrue(arch.xpath("//field[@name='category_type']"), view_type)
        search = self._arch("product.category", "search")
        view_filter = search.xpath("//filter[@name='category_type_view']")[0]
        found = self.env["product.category"].search(
            safe_eval(view_filter.get("domain")) + [("name", "like", "PCV")]
        )
        self.assertEqual(found, self.view_root)
        self.assertTrue(search.xpath("//filter[@name='groupby_category_type']"))

    def test_archiving_a_category_that_holds_products_is_refused(self):
        with self.assertRefused(ValidationError, "PCV Root", "PCV Chair", "archived"):
            self.view_root.active = False  # through its subcategory Furniture
        with self.assertRefused(ValidationError, "PCV Furniture", "PCV Table"):
            self.furniture.action_archive()
        self.assertTrue(self.view_root.active and self.furniture.active)
        (self.chair | self.table).active = False
        self.furniture.action_archive()
        self.assertFalse(self.furniture.active)
        self.assertNotIn(
            self.furniture,
            self.env["product.category"].search([("name", "like", "PCV")]),
        )
