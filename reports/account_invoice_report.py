# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL


class AccountInvoiceReport(models.Model):
    """Invoice Analysis by main article (see ``margin.analysis.mixin``), its
    margin Odoo's own ``price_margin``."""

    _name = "account.invoice.report"
    _inherit = ["account.invoice.report", "margin.analysis.mixin"]
    _margin_analysis_columns = ("price_margin", "price_subtotal")

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
