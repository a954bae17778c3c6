# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools.sql import create_index, drop_index

# The draft items of an account by date: the reconciliation reads the drafts of a
# closed period live, beside the ledger that its closing froze, without reading
# the posted items of that period (a handful of drafts among millions of items).
DRAFT_INDEX = "account_move_line_draft_account_id_date_index"


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def init(self):
        create_index(
            self.env.cr,
            DRAFT_INDEX,
            self._table,
            ["account_id", "date"],
            where="parent_state = 'draft'",
        )

    def _drop_draft_index(self):
        """Drop the index of ``init`` (``uninstall_hook``)."""
        drop_index(self.env.cr, DRAFT_INDEX, self._table)

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
