# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class InventoryValuationReport(models.AbstractModel):
    """QWeb data of the inventory valuation report (PDF and HTML)."""

    _name = "report.product_category_valuation.report_inventory_valuation"
    _description = "Inventory Valuation by Category Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["product.category.valuation.wizard"].browse(docids)
        reports = {}
        for wizard in wizards:
            rows = wizard._get_report_rows(wizard._get_valuation_lines())
            reports[wizard.id] = {
                "sections": self._split_sections(rows),
                "reconciliation": wizard._get_reconciliation(),
                "columns": wizard._xlsx_columns(),
                "labels": wizard._selection_labels(),
            }
        return {
            "doc_ids": docids,
            "doc_model": "product.category.valuation.wizard",
            "docs": wizards,
            "reports": reports,
        }

    @staticmethod
    def _split_sections(rows):
        """Cut the rows before each top-level heading: one page per section."""
        sections = []
        for row in rows:
            if not sections or (row["kind"] == "group" and row["level"] == 0):
                sections.append([])
            sections[-1].append(row)
        return sections
