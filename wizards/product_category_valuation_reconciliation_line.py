# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

ENGINE = "report.product_category_valuation.inventory_valuation"


class ProductCategoryValuationReconciliationLine(models.TransientModel):
    """One part of the difference between a stock valuation account's ledger
    balance and the inventory value, with the journal items or layers behind it
    (``record_ids``: journal items; ``record_domain``: layers)."""

    _name = "product.category.valuation.reconciliation.line"
    _description = "Inventory Valuation Reconciliation Line"
    _order = "account_code, sequence"

    wizard_id = fields.Many2one(
        comodel_name="product.category.valuation.wizard", ondelete="cascade"
    )
    account_id = fields.Many2one(comodel_name="account.account", readonly=True)
    account_code = fields.Char(readonly=True)
    sequence = fields.Integer(readonly=True)
    bucket = fields.Selection(
        selection=lambda self: self.env[ENGINE]._bucket_titles(),
        string="Cause",
        readonly=True,
        help="What explains this part of the difference between the ledger and "
        "the inventory value on the account.",
    )
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    record_ids = fields.Json(readonly=True)
    record_domain = fields.Json(readonly=True)

    def action_open(self):
        """The journal items or layers behind this part of the difference."""
        self.ensure_one()
        if self.record_domain:
            model, domain = "stock.valuation.layer", self.record_domain
        else:
            model, domain = "account.move.line", [("id", "in", self.record_ids or [])]
        bucket = dict(self._fields["bucket"]._description_selection(self.env))
        return {
            "type": "ir.actions.act_window",
            "name": f"{self.account_id.display_name}: {bucket[self.bucket]}",
            "res_model": model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": domain,
            "context": {"create": False},
        }
