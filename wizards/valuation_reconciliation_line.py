# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

# bucket -> model of the records behind it
BUCKET_MODELS = {
    "unlinked": "account.move.line",
    "no_entry": "stock.valuation.layer",
    "other_side": "account.move.line",
    "moved": "account.move.line",
    "draft": "account.move.line",
}


class ValuationReconciliationLine(models.TransientModel):
    """One part of the difference between a stock valuation account's ledger
    balance and the inventory value, with the journal items or layers behind it."""

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
        selection=[
            ("unlinked", "Journal Items Without Layer"),
            ("no_entry", "Layers Without Journal Entry"),
            ("other_side", "Dated Across the As-of Date"),
            ("moved", "Posted to Another Account"),
            ("draft", "Draft Entries (not counted)"),
        ],
        readonly=True,
    )
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    record_ids = fields.Json(readonly=True)
    record_domain = fields.Json(readonly=True)

    def action_open(self):
        """The journal items or layers behind this part of the difference."""
        self.ensure_one()
        model = BUCKET_MODELS[self.bucket]
        domain = self.record_domain or [("id", "in", self.record_ids or [])]
        return {
            "type": "ir.actions.act_window",
            "name": f"{self.account_id.display_name}: "
            f"{dict(self._fields['bucket']._description_selection(self.env))[self.bucket]}",
            "res_model": model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": domain,
            "context": {"create": False},
        }
