# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from .margin_analysis import margin_rate_sql


class AccountInvoiceReport(models.Model):
    """Invoice Analysis by main article: the invoice's main product and its
    category as dimensions, the category's minimum margin rate and the margin
    rate of each group beside them."""

    _inherit = "account.invoice.report"

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

    @property
    def _table_query(self):
        # The row's rate from the row's own margin and amount, whatever the
        # expressions that compute them.
        return SQL(
            "SELECT report.*, report.price_margin * 100"
            " / NULLIF(report.price_subtotal, 0) AS margin_rate FROM (%s) AS report",
            super()._table_query,
        )

    @api.model
    def _select(self):
        return SQL(
            "%s, move.main_product_id AS main_product_id,"
            " move.main_categ_id AS main_categ_id,"
            " main_categ.effective_min_margin_rate AS main_min_margin_rate",
            super()._select(),
        )

    @api.model
    def _from(self):
        return SQL(
            "%s LEFT JOIN product_category main_categ"
            " ON main_categ.id = move.main_categ_id",
            super()._from(),
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "margin_rate:avg":
            return margin_rate_sql(self, query, "price_margin", "price_subtotal")
        return super()._read_group_select(aggregate_spec, query)
