# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import polib

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.modules.module import get_module_path
from odoo.tests import new_test_user

from .common import CategoryValuationCase

MODULE = "product_category_valuation"


class TestFrench(CategoryValuationCase):
    """i18n/fr.po translates every term of the addon, and Odoo shows them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        path = get_module_path(MODULE)
        cls.pot = polib.pofile(f"{path}/i18n/{MODULE}.pot")
        cls.po = polib.pofile(f"{path}/i18n/fr.po")
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["product", "stock", "account", "stock_account", "purchase_stock", MODULE],
            ["fr_FR"],
            overwrite=True,
        )

    def test_every_term_is_translated(self):
        translations = {entry.msgid: entry for entry in self.po}
        for entry in self.pot:
            with self.subTest(msgid=entry.msgid):
                self.assertIn(entry.msgid, translations)
                self.assertTrue(translations[entry.msgid].msgstr)
                self.assertNotIn("fuzzy", translations[entry.msgid].flags)

    def test_french_field_labels_and_selections(self):
        expected = {}
        for entry in self.po:
            for occurrence, _line in entry.occurrences:
                if occurrence.startswith("model:ir.model.fields,field_description:"):
                    expected[occurrence.split(":")[-1]] = entry.msgstr
        self.assertIn(f"{MODULE}.field_product_category__category_type", expected)
        for xmlid, label in expected.items():
            field = self.env.ref(xmlid)
            model = self.env[field.model].with_context(lang="fr_FR")
            description = model.fields_get([field.name], ["string"])[field.name]
            self.assertEqual(description["string"], label, xmlid)
        selection = (
            self.env["product.category"]
            .with_context(lang="fr_FR")
            .fields_get(["category_type"], ["selection"])["category_type"]["selection"]
        )
        self.assertEqual(selection, [("view", "Vue"), ("normal", "Normale")])

    def test_item_model_groups_speak_as_categories(self):
        """The item model group uses Odoo's own words (and their translations)
        for the costing method, the inventory valuation and tracking."""
        pairs = (
            ("inventory_model", "product.category", "property_cost_method"),
            ("inventory_posting", "product.category", "property_valuation"),
            ("stocked_product", "product.template", "is_storable"),
        )
        for lang in ("en_US", "fr_FR"):
            Group = self.env["product.item.model.group"].with_context(lang=lang)
            for fname, model, odoo_fname in pairs:
                with self.subTest(lang=lang, field=fname):
                    ours = Group.fields_get([fname], ["string", "selection"])[fname]
                    odoo = (
                        self.env[model]
                        .with_context(lang=lang)
                        .fields_get([odoo_fname], ["string", "selection"])[odoo_fname]
                    )
                    self.assertEqual(ours["string"], odoo["string"])
                    self.assertEqual(ours.get("selection"), odoo.get("selection"))
        Group = self.env["product.item.model.group"].with_context(lang="fr_FR")
        selection = Group.fields_get(["inventory_posting"], ["selection"])
        self.assertEqual(
            selection["inventory_posting"]["selection"],
            [("manual_periodic", "Manuelle"), ("real_time", "Automatisée")],
        )

    def test_item_groups_speak_as_categories(self):
        """The item group's accounts and journal carry the labels of the
        category's, and their translations."""
        pairs = {
            "income_account_id": "property_account_income_categ_id",
            "expense_account_id": "property_account_expense_categ_id",
            "stock_valuation_account_id": "property_stock_valuation_account_id",
            "stock_input_account_id": "property_stock_account_input_categ_id",
            "stock_output_account_id": "property_stock_account_output_categ_id",
            "stock_journal_id": "property_stock_journal",
            "price_difference_account_id": (
                "property_account_creditor_price_difference_categ"
            ),
        }
        for lang in ("en_US", "fr_FR"):
            Group = self.env["product.item.group"].with_context(lang=lang)
            Category = self.env["product.category"].with_context(lang=lang)
            for fname, category_fname in pairs.items():
                with self.subTest(lang=lang, field=fname):
                    self.assertEqual(
                        Group.fields_get([fname], ["string"])[fname]["string"],
                        Category.fields_get([category_fname], ["string"])[
                            category_fname
                        ]["string"],
                    )

    def test_the_report_names_costing_methods_as_odoo_does(self):
        """The what-if columns are titled with Odoo's costing methods, in the
        reader's language: the same words as the report's Costing Method
        column beside them."""
        Engine = self.env["report.product_category_valuation.inventory_valuation"]
        Category = self.env["product.category"]
        for lang in ("en_US", "fr_FR"):
            with self.subTest(lang=lang):
                methods = dict(
                    Category.with_context(lang=lang)._selection_labels(
                        "property_cost_method"
                    )
                )
                columns = dict(
                    (key, title)
                    for key, title, _kind in Engine.with_context(lang=lang)._columns(
                        {
                            "level": "detail",
                            "show_what_if": True,
                            "group_by": "category",
                        },
                        [],
                    )
                )
                labels = Category.with_context(lang=lang).fields_get(
                    ["property_cost_method", "property_valuation"], ["string"]
                )
                self.assertEqual(
                    columns["cost_method"], labels["property_cost_method"]["string"]
                )
                self.assertEqual(
                    columns["valuation"], labels["property_valuation"]["string"]
                )
                self.assertEqual(columns["fifo_value"], methods["fifo"])
                self.assertEqual(columns["average_value"], methods["average"])
                self.assertEqual(columns["standard_value"], methods["standard"])

    def test_closing_lines_say_what_the_category_says(self):
        """A closing line's costing method and valuation: Odoo's words for the
        category's, in the user's language."""
        Category = self.env["product.category"].with_context(lang="fr_FR")
        Line = self.env["stock.valuation.closing.line"].with_context(lang="fr_FR")
        for fname, category_fname in (
            ("cost_method", "property_cost_method"),
            ("valuation", "property_valuation"),
        ):
            with self.subTest(field=fname):
                ours = Line.fields_get([fname], ["selection"])[fname]["selection"]
                odoo = Category.fields_get([category_fname], ["selection"])
                self.assertEqual(ours, odoo[category_fname]["selection"])
        self.assertIn(
            ("real_time", "Automatisée"),
            Line.fields_get(["valuation"], ["selection"])["valuation"]["selection"],
        )

    def test_each_manager_reads_the_approval_request_in_their_language(self):
        self.lamps.write({"is_main_article": True, "min_margin_rate": 30})
        lamp = self.env["product.product"].create(
            {"name": "PCV Lampe", "categ_id": self.lamps.id, "standard_price": 80}
        )
        french_manager = new_test_user(
            self.env,
            "pcv_chef_des_ventes",
            groups="sales_team.group_sale_manager",
            lang="fr_FR",
        )
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.env["res.partner"].create({"name": "C"}).id,
                    "order_line": [
                        Command.create({"product_id": lamp.id, "price_unit": 100})
                    ],
                }
            )
        )
        order.action_request_margin_approval()
        activities = {
            activity.user_id: activity for activity in order.sudo().activity_ids
        }
        french = activities[french_manager]
        self.assertEqual(french.summary, "Approuver la marge")
        self.assertIn("Son taux de marge, 20,00 %", str(french.note))
        english = activities[self.sale_manager]
        self.assertEqual(english.summary, "Approve the margin")
        self.assertIn("Its margin rate, 20.00 %", str(english.note))
        # the notes stand alone: no subtype line repeated above each of them
        note = order.sudo().message_ids.filtered(
            lambda message: "Margin approval requested" in str(message.body)
        )
        self.assertTrue(note)
        self.assertFalse(note.subtype_id.description)

    def test_french_views_and_messages(self):
        Category = self.env["product.category"].with_context(lang="fr_FR")
        arch = Category.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('string="Vue"', arch)
        self.assertIn('string="Article principal"', arch)
        form = (
            self.env["product.item.group"]
            .with_context(lang="fr_FR")
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("Taxes par défaut", form)
        self.assertNotIn("Default Taxes", form)
        with self.assertRefused(ValidationError, "doit être compris entre 0 et 100"):
            self.lamps.with_context(lang="fr_FR").min_margin_rate = 120

    def test_french_margin_refusal_and_negative_inventory(self):
        """A French user reads the rules in French, rates written "6,67 %"."""
        self.lamps.write({"is_main_article": True, "min_margin_rate": 30})
        lamp = self.env["product.product"].create(
            {
                "name": "PCV Lampe",
                "categ_id": self.lamps.id,
                "list_price": 100,
                "standard_price": 93.33,
                "is_storable": True,
            }
        )
        customer = self.env["res.partner"].create({"name": "PCV Client"})
        order = (
            self.env["sale.order"]
            .with_context(lang="fr_FR")
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create({"product_id": lamp.id, "price_unit": 100})
                    ],
                }
            )
        )
        with self.assertRefused(
            UserError, "ne peut pas être confirmé", "6,67 %", "30,00 %"
        ):
            order.action_confirm()
        self.lamps.negative_inventory = "forbidden"
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        move = self.env["stock.move"].create(
            {
                "name": "PCV sortie",
                "product_id": lamp.id,
                "product_uom_qty": 2,
                "product_uom": lamp.uom_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
            }
        )
        move._action_confirm()
        move.quantity = 2
        move.picked = True
        with self.assertRefused(
            UserError, "Le stock physique négatif est interdit", "PCV Lampe"
        ):
            move.with_context(lang="fr_FR")._action_done()
