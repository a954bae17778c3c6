# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    margin_policy = fields.Selection(
        related="company_id.margin_policy", readonly=False, required=True
    )
    negative_inventory = fields.Selection(
        related="company_id.negative_inventory", readonly=False, required=True
    )
    item_group_required = fields.Boolean(
        related="company_id.item_group_required", readonly=False
    )
    inventory_closing_schedule = fields.Selection(
        related="company_id.inventory_closing_schedule", readonly=False, required=True
    )
    inventory_closing_adjustment = fields.Boolean(
        related="company_id.inventory_closing_adjustment", readonly=False
    )
