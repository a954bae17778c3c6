# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists


def check_recorded_flag(records, name, vals_list, create=False):
    """Refuse a request (a form, RPC, an import, default values in its context)
    that sets or clears the flag ``name``, which the stock valuation records
    itself, as superuser: in the values of a create (``records``: the model,
    ``create``), or of a write on ``records``. Read from the values alone: the
    hot paths that create entries read nothing more."""
    if records.env.su:
        return
    if create:
        changed = any(vals.get(name) for vals in vals_list) or bool(
            records.env.context.get(f"default_{name}")
        )
    else:
        changed = any(
            name in vals and any(record[name] != bool(vals[name]) for record in records)
            for vals in vals_list
        )
    if changed:
        raise UserError(
            records.env._(
                "“%(flag)s” is recorded by the stock valuation itself (its entries "
                "and account transfers): it cannot be set or cleared by hand.",
                flag=records._fields[name]._description_string(records.env),
            )
        )


class AccountAccount(models.Model):
    _inherit = "account.account"

    stock_valuation_history = fields.Boolean(
        string="Received Stock Valuation",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Stock valuation entries were posted to this account: the inventory "
        "valuation report reconciles it with the stock, even once no product "
        "posts there any more.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_recorded_flag(self, "stock_valuation_history", vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_recorded_flag(self, "stock_valuation_history", [vals])
        return super().write(vals)

    def init(self):
        """Mark the accounts that the stock valuation entries (the valuation
        line of an entry goes the way of its layer's value) and the account
        transfers of the database posted to before this version of the addon
        was there. On a fresh install, account transfers do not exist yet."""
        res = super().init()
        transfers = SQL("")
        if column_exists(self.env.cr, "account_move", "stock_valuation_transfer"):
            transfers = SQL(
                """
                UNION
                SELECT aml.account_id
                  FROM account_move am
                  JOIN account_move_line aml ON aml.move_id = am.id
                 WHERE am.stock_valuation_transfer
                """
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_account SET stock_valuation_history = TRUE
                 WHERE stock_valuation_history IS NOT TRUE
                   AND id IN (
                       SELECT aml.account_id
                         FROM stock_valuation_layer svl
                         -- the stock valuation entries, not the vendor bills
                         -- that a periodic product's price difference keeps
                         JOIN account_move am
                           ON am.id = svl.account_move_id AND am.move_type = 'entry'
                         JOIN account_move_line aml ON aml.move_id = am.id
                        WHERE SIGN(aml.balance) = SIGN(svl.value)
                          AND svl.value <> 0
                       %s
                   )
                """,
                transfers,
            )
        )
        return res

    def _mark_stock_valuation_history(self):
        """Mark these accounts as holding stock value, once."""
        unmarked = self.filtered(lambda account: not account.stock_valuation_history)
        if unmarked:
            unmarked.sudo().write({"stock_valuation_history": True})
