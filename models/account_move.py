# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    stock_valuation_transfer = fields.Boolean(
        readonly=True,
        copy=False,
        help="Moves the value on hand of products whose stock valuation account "
        "changed from the old account to the new one.",
    )
