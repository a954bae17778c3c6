# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class SaleReport(models.Model):
    """Sales Analysis by main article (see ``margin.analysis.mixin``)."""

    _name = "sale.report"
    _inherit = ["sale.report", "margin.analysis.mixin"]

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["main_product_id"] = "s.main_product_id"
        res["main_categ_id"] = "s.main_categ_id"
        # an aggregate, and the order's columns depend on s.id, which Odoo
        # groups by: the view's GROUP BY stays Odoo's own
        res["main_min_margin_rate"] = "MAX(main_categ.effective_min_margin_rate)"
        res["margin_rate"] = "SUM(l.margin) * 100 / NULLIF(SUM(l.price_subtotal), 0)"
        return res

    def _from_sale(self):
        return (
            super()._from_sale()
            + """
            LEFT JOIN product_category main_categ ON main_categ.id = s.main_categ_id"""
        )
