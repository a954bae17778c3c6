# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .margin_analysis import margin_rate_sql


class SaleReport(models.Model):
    """Sales Analysis by main article: the quotation's main product and its
    category as dimensions, the category's minimum margin rate and the margin
    rate of each group beside them."""

    _inherit = "sale.report"

    main_product_id = fields.Many2one(
        comodel_name="product.product", string="Main Product", readonly=True
    )
    main_categ_id = fields.Many2one(
        comodel_name="product.category", string="Main Article Category", readonly=True
    )
    main_min_margin_rate = fields.Float(
        string="Minimum Margin Rate (%)",
        aggregator="max",
        readonly=True,
        help="The minimum margin rate that the main article's category applies.",
    )
    margin_rate = fields.Float(
        string="Margin Rate (%)",
        aggregator="avg",
        readonly=True,
        help="Margin in percent of the untaxed amount, of each group as a whole.",
    )

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["main_product_id"] = "s.main_product_id"
        res["main_categ_id"] = "s.main_categ_id"
        res["main_min_margin_rate"] = "main_categ.effective_min_margin_rate"
        res["margin_rate"] = "SUM(l.margin) * 100 / NULLIF(SUM(l.price_subtotal), 0)"
        return res

    def _from_sale(self):
        return (
            super()._from_sale()
            + """
            LEFT JOIN product_category main_categ ON main_categ.id = s.main_categ_id"""
        )

    def _group_by_sale(self):
        return (
            super()._group_by_sale()
            + """,
            s.main_product_id,
            s.main_categ_id,
            main_categ.effective_min_margin_rate"""
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "margin_rate:avg":
            return margin_rate_sql(self, query, "margin", "price_subtotal")
        return super()._read_group_select(aggregate_spec, query)
