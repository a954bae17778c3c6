# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self.env["sale.order"]._place_under_default_sections(vals_list)
        lines = super().create(vals_list)
        lines.order_id._void_lowered_margin_approvals()
        return lines

    def write(self, vals):
        result = super().write(vals)
        self.order_id._void_lowered_margin_approvals()
        return result

    def unlink(self):
        orders = self.order_id
        result = super().unlink()
        orders.exists()._void_lowered_margin_approvals()
        return result
