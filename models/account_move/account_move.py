# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from odoo.addons.account.models.account_move import BYPASS_LOCK_CHECK

from ..account_account import check_recorded_flag


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

    @api.model_create_multi
    def create(self, vals_list):
        check_recorded_flag(self, "stock_valuation_transfer", vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_recorded_flag(self, "stock_valuation_transfer", [vals])
        return super().write(vals)

    def _check_fiscal_lock_dates(self):
        """Odoo's lock dates, then the inventory closings': an entry dated in a
        closed inventory period may not be posted, reset to draft, re-dated or
        deleted while it touches a stock valuation account (the closing froze
        that account's balance). And an entry on a stock valuation account
        dated on a day that a closing may be computing holds that day
        (``_hold_days``): a closing of that day computed at the same moment
        waits for it, or it for the closing."""
        result = super()._check_fiscal_lock_dates()
        self._hold_inventory_days()
        if self.env.context.get("bypass_lock_check") is BYPASS_LOCK_CHECK:
            return result
        for move in self:
            closing = move.company_id.sudo().inventory_closing_id
            if closing and move.date and move.date <= closing.date:
                closing._check_entry_outside(move)
        return result

    def _hold_inventory_days(self):
        """Hold the days that a closing may be computing of the entries that
        touch a stock valuation account (``stock.valuation.closing``'s
        ``_days_to_hold``, asked once per company)."""
        Closing = self.env["stock.valuation.closing"].sudo()
        for company, moves in self.filtered("date").grouped("company_id").items():
            days = Closing._days_to_hold(company, moves.mapped("date"))
            if not days:
                continue
            accounts = company._stock_valuation_accounts()
            Closing._hold_dates(
                company,
                {
                    move.date
                    for move in moves
                    if move.date in days and move.sudo().line_ids.account_id & accounts
                },
            )
