# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = "stock.move"

    def _get_accounting_data_for_valuation(self):
        self.ensure_one()
        product = self.product_id.product_tmpl_id.with_company(self.company_id)
        missing = product._get_missing_real_time_accounts()
        if missing:
            raise UserError(product._missing_accounts_message(missing))
        journal_id, source, destination, valuation = (
            super()._get_accounting_data_for_valuation()
        )
        # the report reconciles every account that ever held stock value
        self.env["account.account"].browse(valuation)._mark_stock_valuation_history()
        return journal_id, source, destination, valuation
