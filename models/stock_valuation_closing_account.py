# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import format_amount


class StockValuationClosingAccount(models.Model):
    """A stock valuation account's reconciliation at a closing's date, frozen:
    its ledger balance, the inventory value posting there and their difference,
    part by part (the report's parts)."""

    _name = "stock.valuation.closing.account"
    _description = "Inventory Closing Account"
    _order = "closing_id, account_id"

    closing_id = fields.Many2one(
        comodel_name="stock.valuation.closing",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="closing_id.company_id", store=True)
    currency_id = fields.Many2one(related="closing_id.currency_id")
    account_id = fields.Many2one(
        comodel_name="account.account",
        string="Stock Valuation Account",
        required=True,
        ondelete="restrict",
    )
    ledger_balance = fields.Monetary()
    inventory_value = fields.Monetary()
    difference = fields.Monetary()
    parts = fields.Json(help="The parts of the difference, by the report's keys.")
    ledger_parts = fields.Json(
        help="The account's ledger up to the closing date, part by part (journal "
        "items with and without layers, of transfers, drafts: sum, count, least "
        "and greatest id): the next closing adds the items dated after it."
    )
    parts_text = fields.Text(string="Causes", compute="_compute_parts_text")

    @api.depends("parts")
    def _compute_parts_text(self):
        """The non-zero parts of the difference, with the report's titles."""
        titles = self.env["report.product_category_valuation.inventory_valuation"]
        titles = titles._bucket_titles()
        for line in self:
            parts = line.parts or {}
            line.parts_text = "\n".join(
                f"{title}: {format_amount(self.env, parts[key], line.currency_id)}"
                for key, title in titles
                if parts.get(key)
            )
