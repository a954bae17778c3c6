# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    allow_negative_inventory = fields.Boolean(
        string="Negative Inventory Allowed",
        help="Exempt this location and its sublocations from the rule that forbids "
        "negative physical inventory.",
    )

    def _negative_inventory_exempt(self):
        """Whether this location or one of its parents is exempted."""
        self.ensure_one()
        ancestors = self.browse(int(i) for i in self.parent_path.split("/") if i)
        return any(ancestors.mapped("allow_negative_inventory"))
