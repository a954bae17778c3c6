# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    margin_policy = fields.Selection(
        selection=[
            ("block", "Block"),
            ("warn", "Warn"),
            ("off", "Off"),
        ],
        string="Minimum Margin Policy",
        required=True,
        default="block",
        help="What happens to a quotation below the minimum margin rate of its main "
        "article's category. Block: it cannot be confirmed until a sales manager "
        "approves its margin. Warn: the warning shows and confirming it is logged "
        "in its chatter. Off: minimum margin rates are not applied.",
    )
