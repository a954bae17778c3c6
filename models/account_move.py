# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


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
