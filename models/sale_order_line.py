# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._place_under_default_section()
        lines.order_id._void_lowered_margin_approvals()
        return lines

    def write(self, vals):
        result = super().write(vals)
        self.order_id._void_lowered_margin_approvals()
        return result

    def unlink(self):
        orders = self.order_id
        result = super().unlink()
        orders.exists()._void_lowered_margin_approvals()
        return result

    def _place_under_default_section(self):
        """Move each product line whose category has a default quote section to the
        end of that section, creating the section at the end of the order when the
        order has none of that name."""
        for line in self.sorted(
            lambda line: (line.order_id.id, line.sequence, line.id)
        ):
            order = line.order_id
            section_name = line.product_id.categ_id.with_context(
                lang=order.partner_id.lang
            ).quote_section
            if line.display_type or not section_name:
                continue
            others = (order.order_line - line).sorted(lambda ol: (ol.sequence, ol.id))
            section = others.filtered(
                lambda ol, name=section_name: (
                    ol.display_type == "line_section" and ol.name == name
                )
            )[:1]
            if not section:
                last = max(others.mapped("sequence"), default=0)
                self.create(
                    {
                        "order_id": order.id,
                        "display_type": "line_section",
                        "name": section_name,
                        "sequence": last + 1,
                    }
                )
                line.sequence = last + 2
                continue
            # The section's block runs until the next section: insert at its end.
            position = list(others).index(section) + 1
            while (
                position < len(others)
                and others[position].display_type != "line_section"
            ):
                position += 1
            ordered = others[:position] | line | others[position:]
            for sequence, ordered_line in enumerate(ordered, start=1):
                if ordered_line.sequence != sequence:
                    ordered_line.sequence = sequence
