# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

# How many product names a message lists before it says "and N more".
MAX_NAMED_PRODUCTS = 5


def format_product_names(products):
    """Return the display names of ``products`` for a user message, shortened."""
    names = products[:MAX_NAMED_PRODUCTS].mapped("display_name")
    if len(products) > MAX_NAMED_PRODUCTS:
        names.append(
            products.env._(
                "and %(count)s more", count=len(products) - MAX_NAMED_PRODUCTS
            )
        )
    return ", ".join(names)


class ProductCategory(models.Model):
    _inherit = "product.category"

    category_type = fields.Selection(
        selection=[("view", "View"), ("normal", "Normal")],
        required=True,
        default="normal",
        index=True,
        help="A View category is virtual: it only parents other categories and "
        "holds no product. Products belong to Normal categories.",
    )

    @api.constrains("category_type")
    def _check_view_category_has_no_product(self):
        view_categories = self.filtered(lambda c: c.category_type == "view")
        if not view_categories:
            return
        products = (
            self.env["product.template"]
            .with_context(active_test=False)
            .sudo()
            .search([("categ_id", "in", view_categories.ids)], order="categ_id, id")
        )
        for category in view_categories:
            held = products.filtered(lambda p, c=category: p.categ_id == c)
            if held:
                raise ValidationError(
                    self.env._(
                        "Category %(category)s still holds products "
                        "(%(products)s): it cannot become a View category. Move "
                        "them to a Normal category first.",
                        category=category.display_name,
                        products=format_product_names(held),
                    )
                )
