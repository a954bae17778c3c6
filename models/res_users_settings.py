# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ResUsersSettings(models.Model):
    _inherit = "res.users.settings"

    inventory_valuation_choices = fields.Json(
        help="The user's last choices of the inventory valuation report, per "
        "company id: the report's options but the as-of date.",
    )

    @api.model
    def _get_fields_blacklist(self):
        # kept on the server: the web client has no use for them
        return [*super()._get_fields_blacklist(), "inventory_valuation_choices"]
