# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from odoo.addons.account.models.account_move import BYPASS_LOCK_CHECK


class AccountMove(models.Model):
    _inherit = "account.move"

    stock_valuation_transfer = fields.Boolean(
        readonly=True,
        copy=False,
        # the reconciliation finds the few transfers among all entries
        index="btree_not_null",
        help="Moves the value on hand of products whose stock valuation account "
        "changed from the old account to the new one.",
    )

    def _check_fiscal_lock_dates(self):
        """Odoo's lock dates, then the inventory closings': an entry dated in a
        closed inventory period may not be posted, reset to draft, re-dated or
        deleted while it touches a stock valuation account (the closing froze
        that account's balance)."""
        result = super()._check_fiscal_lock_dates()
        if self.env.context.get("bypass_lock_check") is BYPASS_LOCK_CHECK:
            return result
        for move in self:
            closing = move.company_id.sudo().inventory_closing_id
            if closing and move.date and move.date <= closing.date:
                closing._check_entry_outside(move)
        return result
