# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, formatLang

# One row per product and location whose negative physical inventory is
# forbidden, written by every validation that takes from it (``_hold_stock``):
# two such validations at once serialize on it, while Odoo's own writes of the
# quants (reservations, receipts, cancellations) never meet it.
HELD_STOCK = "product_category_valuation_held_stock"


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def init(self):
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %(table)s (
                    product_id integer NOT NULL
                        REFERENCES product_product (id) ON DELETE CASCADE,
                    location_id integer NOT NULL
                        REFERENCES stock_location (id) ON DELETE CASCADE,
                    held_at timestamp NOT NULL,
                    PRIMARY KEY (product_id, location_id))
                """,
                table=SQL.identifier(HELD_STOCK),
            )
        )

    def _drop_held_stock(self):
        """Drop the table of ``init`` (``uninstall_hook``)."""
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(HELD_STOCK)))

    def _action_done(self):
        # Transfers, inventory adjustments, scraps and manufacturing consumptions
        # all end here: refuse before anything is written.
        self._check_negative_inventory()
        return super()._action_done()

    def _check_negative_inventory(self):
        """Refuse these lines when they would leave a product whose negative
        physical inventory is forbidden below zero in a non-exempt internal
        location, naming the product, the location, the quantity on hand and the
        quantity asked. One query for the whole validation, which locks what it
        reads (see ``_locked_quantities``)."""
        outgoing = defaultdict(float)
        incoming = defaultdict(float)
        counted = set()  # the (product, location) pairs of inventory counts
        for line in self:
            if not line.quantity or not line.product_id.is_storable:
                continue
            quantity = line.quantity_product_uom
            if line.location_id.usage == "internal":
                outgoing[line.product_id, line.location_id] += quantity
                if line.move_id.is_inventory:
                    counted.add((line.product_id, line.location_id))
            if line.location_dest_id.usage == "internal":
                incoming[line.product_id, line.location_dest_id] += quantity
        templates = self.env["product.template"].union(
            *(product.product_tmpl_id for product, _location in outgoing)
        )
        forbidden = {
            company: templates.with_company(company)._negative_inventory_forbidden()
            for company in {location.company_id for _product, location in outgoing}
        }
        checked = {
            (product, location): asked
            for (product, location), asked in outgoing.items()
            if product.product_tmpl_id in forbidden[location.company_id]
            and not location._negative_inventory_exempt()
        }
        if not checked:
            return
        on_hand = self._locked_quantities(checked)
        for (product, location), asked in checked.items():
            held = on_hand[product.id, location.id]
            left = held + incoming[product, location] - asked
            if float_compare(left, 0, precision_rounding=product.uom_id.rounding) < 0:
                raise UserError(
                    self._negative_inventory_message(
                        product,
                        location,
                        held,
                        asked,
                        left,
                        (product, location) in counted,
                    )
                )

    def _negative_inventory_message(self, product, location, held, asked, left, count):
        """The refusal of a move that would leave ``left`` (below zero) of
        ``product`` in ``location``, which holds ``held`` and is asked for
        ``asked``; an inventory ``count`` speaks of the quantity counted."""

        def quantity(value):
            return formatLang(self.env, value, dp="Product Unit of Measure")

        if count:
            return self.env._(
                "Negative physical inventory is forbidden for %(product)s: "
                "%(location)s was counted at %(counted)s %(uom)s, which would leave "
                "less than nothing. Nothing was applied: count zero or more, or "
                "receive the missing quantity first.",
                product=product.display_name,
                location=location.display_name,
                counted=quantity(left),
                uom=product.uom_id.name,
            )
        return self.env._(
            "Negative physical inventory is forbidden for %(product)s: "
            "%(location)s holds %(on_hand)s %(uom)s and %(asked)s "
            "%(uom)s are asked. Nothing was validated: receive or count "
            "the missing quantity first.",
            product=product.display_name,
            location=location.display_name,
            on_hand=quantity(held),
            asked=quantity(asked),
            uom=product.uom_id.name,
        )

    def _locked_quantities(self, pairs):
        """{(product id, location id): quantity on hand} of the (product,
        location) ``pairs``, read once their rows of ``HELD_STOCK`` are held
        until the transaction ends. A concurrent validation of the same
        products there waits for the rows; once the first one commits, the
        second fails to serialize (Odoo's transactions are repeatable reads)
        and Odoo retries it, when it reads the new quantities and is refused.
        Without the rows, both would read the same quantities, and Odoo's own
        quant update, which skips locked quants, would let both through. Only
        validations of the products under the rule write them, in one order:
        a reservation, a receipt or a cancellation of the same product, which
        write its quants, does not make a validation start again."""
        held = sorted((product.id, location.id) for product, location in pairs)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (product_id, location_id, held_at)
                SELECT h.product_id, h.location_id, NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(products)s::int[], %(locations)s::int[])
                       AS h (product_id, location_id)
                    ON CONFLICT (product_id, location_id)
                    DO UPDATE SET held_at = EXCLUDED.held_at
                """,
                table=SQL.identifier(HELD_STOCK),
                products=[product_id for product_id, _location_id in held],
                locations=[location_id for _product_id, location_id in held],
            )
        )
        self.env["stock.quant"].flush_model(["product_id", "location_id", "quantity"])
        quantities = dict.fromkeys(held, 0.0)
        # by Odoo's indexes on the product and the location, then to the pairs
        for product_id, location_id, quantity in self.env.execute_query(
            SQL(
                """
                SELECT q.product_id, q.location_id, SUM(q.quantity)
                  FROM stock_quant q
                 WHERE q.product_id = ANY(%s) AND q.location_id = ANY(%s)
                 GROUP BY q.product_id, q.location_id
                """,
                list({product_id for product_id, _location_id in held}),
                list({location_id for _product_id, location_id in held}),
            )
        ):
            if (product_id, location_id) in quantities:
                quantities[product_id, location_id] += quantity or 0.0
        return quantities
