# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Default quote sections: a product whose category names a section is placed
under a section line of that name in the quotation (OpenFire "section de devis
par défaut")."""

from collections import defaultdict

from odoo import api, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _place_under_default_sections(self, vals_list):
        """Return ``vals_list`` (of new sale order lines) with each new product
        line whose category has a default quote section placed at the end of
        that section: the first section line of that name in the order, or one
        added at the end of the order.

        One pass per order: the new lines get their sequences in their values, and
        the order's existing lines are renumbered only where a line is inserted
        before them. Without any default section, ``vals_list`` is returned as is.
        """
        product_ids = {
            vals["product_id"]
            for vals in vals_list
            if vals.get("product_id")
            and not vals.get("display_type")
            and not vals.get("is_downpayment")
        }
        categories = self.env["product.product"].browse(product_ids).categ_id
        if not any(categories.mapped("quote_section")):
            return vals_list
        vals_list = [dict(vals) for vals in vals_list]
        by_order = defaultdict(list)
        for vals in vals_list:
            if vals.get("order_id"):
                by_order[vals["order_id"]].append(vals)
        default_sequence = (
            self.env["sale.order.line"].default_get(["sequence"]).get("sequence", 0)
        )
        added = []
        for order in self.browse(list(by_order)):
            added += order._place_in_sections(by_order[order.id], default_sequence)
        return vals_list + added

    def _place_in_sections(self, new_vals, default_sequence):
        """Place ``new_vals`` among the lines of this order; return the values of
        the section lines to add."""
        self.ensure_one()
        products = self.env["product.product"].browse(
            [vals["product_id"] for vals in new_vals if vals.get("product_id")]
        )
        lang_categories = products.categ_id.with_context(lang=self.partner_id.lang)
        section_of = {
            product.id: lang_categories.browse(product.categ_id.id).quote_section
            for product in products
        }

        def target(item):
            if isinstance(item, dict) and not (
                item.get("display_type") or item.get("is_downpayment")
            ):
                return section_of.get(item.get("product_id"))
            return False

        def section_name(item):
            if isinstance(item, dict):
                return item.get("display_type") == "line_section" and item.get("name")
            return item.display_type == "line_section" and item.name

        # Odoo's own order: by sequence, then creation (new values come last).
        existing = [((line.sequence, 0, line.id), line) for line in self.order_line]
        created = [
            ((vals.get("sequence", default_sequence), 1, index), vals)
            for index, vals in enumerate(new_vals)
        ]
        natural = [
            item for _key, item in sorted(existing + created, key=lambda e: e[0])
        ]
        to_place = defaultdict(list)
        others = []
        for item in natural:
            if target(item):
                to_place[target(item)].append(item)
            else:
                others.append(item)
        if not to_place:
            return []
        placed = []
        current = False
        for item in others:
            if section_name(item):
                placed += to_place.pop(current, [])
                current = section_name(item)
            placed.append(item)
        placed += to_place.pop(current, [])
        added = []
        for name, items in to_place.items():
            section = {
                "order_id": self.id,
                "display_type": "line_section",
                "name": name,
            }
            added.append(section)
            placed += [section, *items]
        for sequence, item in enumerate(placed, start=1):
            if isinstance(item, dict):
                item["sequence"] = sequence
            elif item.sequence != sequence:
                item.sequence = sequence
        return added
