# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools.sql import create_index, drop_index

# what a layer's value at a date is made of; the rest (the FIFO remainders that
# deliveries consume, the description) may change after a closing
VALUATION_FIELDS = {
    "value",
    "quantity",
    "unit_cost",
    "product_id",
    "company_id",
    "account_move_id",
    "create_date",
}

# the layers of a company since a date (an inventory closing's cut-off): the
# report reads them alone, whatever the length of the history
DATE_INDEX = "stock_valuation_layer_company_create_date_index"


class StockValuationLayer(models.Model):
    _inherit = "stock.valuation.layer"

    def init(self):
        create_index(
            self.env.cr, DATE_INDEX, self._table, ["company_id", "create_date"]
        )

    def _drop_date_index(self):
        """Drop the index of ``init`` (``uninstall_hook``)."""
        drop_index(self.env.cr, DATE_INDEX, self._table)

    def _check_inventory_closing(self):
        """Layers created in a closed inventory period are frozen; their day
        is held where a closing may be computing it (``_hold_days_of``)."""
        Closing = self.env["stock.valuation.closing"].sudo()
        for company in self.company_id:
            Closing._hold_days_of(
                company,
                [
                    layer.create_date.date()
                    for layer in self
                    if layer.company_id == company
                ],
            )
            closing = company.sudo().inventory_closing_id
            if closing:
                closing._check_layers_outside(
                    self.filtered(
                        lambda layer, company=company: layer.company_id == company
                    )
                )

    def write(self, vals):
        if VALUATION_FIELDS.intersection(vals):
            self._check_inventory_closing()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed_period(self):
        self._check_inventory_closing()
