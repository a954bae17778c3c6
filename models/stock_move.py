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
        return super()._get_accounting_data_for_valuation()
