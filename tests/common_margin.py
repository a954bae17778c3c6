# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Categories with minimum margins and main articles (OpenFire's category
guide), and the quotations of the margin tests."""

from odoo import Command
from odoo.tests import new_test_user

from .common import CategoryValuationCase

MARGIN_ACTIVITY = "product_category_valuation.mail_act_margin_approval"


class MarginCase(CategoryValuationCase):
    """OpenFire's category guide, "Taux de marge" and "Article principal".

    Root (View, 15 %) > Furniture (main article, inherits 15 %) and Lamps (main
    article, own 30 %); Services (not a main article, 50 %) is ignored.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.view_root.min_margin_rate = 15
        cls.furniture.is_main_article = True
        cls.lamps.write({"is_main_article": True, "min_margin_rate": 30})
        cls.services = cls.env["product.category"].create(
            {"name": "PCV Services", "min_margin_rate": 50}
        )
        Product = cls.env["product.product"]
        cls.desk = Product.create(
            {
                "name": "PCV Desk",
                "categ_id": cls.furniture.id,
                "list_price": 100,
                "standard_price": 60,
            }
        )
        cls.lamp = Product.create(
            {
                "name": "PCV Lamp",
                "categ_id": cls.lamps.id,
                "list_price": 100,
                "standard_price": 80,
            }
        )
        cls.setup_service = Product.create(
            {
                "name": "PCV Set-up",
                "type": "service",
                "categ_id": cls.services.id,
                "list_price": 50,
                "standard_price": 45,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "PCV Customer"})

    def _order(self, *lines, user=None, **vals):
        """Create a quotation as ``user`` (the salesperson by default) with lines
        given as (product, quantity, unit price)."""
        return (
            self.env["sale.order"]
            .with_user(user or self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "price_unit": price,
                            }
                        )
                        for product, qty, price in lines
                    ],
                    **vals,
                }
            )
        )


class MarginPathsCase(MarginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.activity_type = cls.env.ref(MARGIN_ACTIVITY)
        cls.subtype = cls.env.ref("product_category_valuation.mt_margin_approval")
        cls.mute_manager = new_test_user(
            cls.env,
            "pcv_mute_manager",
            name="PCV Mute Manager",
            groups="sales_team.group_sale_manager",
            email=False,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.uncategorised = cls.env["product.category"].create(
            {"name": "PCV No Minimum", "is_main_article": True}
        )
        cls.loss_maker = cls.env["product.product"].create(
            {
                "name": "PCV Loss Maker",
                "categ_id": cls.uncategorised.id,
                "list_price": 10,
                "standard_price": 420,
            }
        )

    def _margin_activities(self, order):
        return order.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.activity_type
        )

    def _notes(self, order):
        return order.message_ids.filtered(lambda m: m.subtype_id == self.subtype)
