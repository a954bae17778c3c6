# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ProductCompanyGroupMixin(models.AbstractModel):
    """What Dynamics 365's item groups and item model groups share: a group of
    products of one company, with a code unique per company, archivable, shown
    as "[CODE] Name"."""

    _name = "product.company.group.mixin"
    _inherit = ["mail.thread"]
    _description = "Company Group of Products"
    _order = "company_id, code, id"
    _rec_names_search = ["code", "name"]
    _check_company_auto = True
    # the product.template field that holds the group
    _product_field = None

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(
        required=True, tracking=True, help="Short reference, unique per company."
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Text(translate=True)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for group in self:
            group.display_name = (
                f"[{group.code}] {group.name}" if group.code else group.name or ""
            )

    def action_open_products(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.product_template_action_product"
        )
        action.update(
            domain=[(self._product_field, "=", self.id)],
            context={f"default_{self._product_field}": self.id},
        )
        return action
