# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # A change of lines that lowers a draft invoice's margin below the rate a
    # sales manager approved voids the approval, as on quotations.
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.move_id._void_lowered_margin_approvals()
        return lines

    def write(self, vals):
        result = super().write(vals)
        self.move_id._void_lowered_margin_approvals()
        return result

    def unlink(self):
        moves = self.move_id
        result = super().unlink()
        moves.exists()._void_lowered_margin_approvals()
        return result
