# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.exceptions import ValidationError

from .product_category import format_product_names


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.constrains("categ_id")
    def _check_categ_id_is_normal(self):
        in_view = self.filtered(lambda t: t.categ_id.category_type == "view")
        for category in in_view.categ_id:
            products = in_view.filtered(lambda t, c=category: t.categ_id == c)
            raise ValidationError(
                self.env._(
                    "Category %(category)s is a View category: it only parents "
                    "other categories and cannot hold products (%(products)s). "
                    "Choose a Normal category.",
                    products=format_product_names(products),
                    category=category.display_name,
                )
            )
