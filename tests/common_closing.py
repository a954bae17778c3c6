# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The set-up of the inventory closing tests: one layer a day from T0, each
with its journal entry dated that day."""

from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

from .common_valuation import T0, ValuationReportCase

# the figures of a product's line with the what-if columns, which the tests
# compare from closings and from the start of history
WHAT_IF_LINE_KEYS = (
    "quantity",
    "value",
    "fifo_value",
    "lifo_value",
    "average_value",
    "standard_value",
)


class ClosingCase(ValuationReportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one layer a day from T0, its journal entry dated (and numbered) that day
        cls.env.flush_all()
        layers = cls.env["stock.valuation.layer"].search(
            [("product_id", "in", cls.products().ids)], order="id"
        )
        for day, layer in enumerate(layers):
            at = T0 + timedelta(days=day)
            prefix = f"{layer.account_move_id.journal_id.code}/{at:%Y/%m}/"
            cls.env.cr.execute(
                SQL(
                    "UPDATE stock_valuation_layer SET create_date = %(at)s"
                    " WHERE id = %(layer)s;"
                    " UPDATE account_move SET date = %(day)s, name = %(name)s,"
                    " sequence_prefix = %(prefix)s, sequence_number = %(number)s"
                    " WHERE id = %(move)s;"
                    " UPDATE account_move_line SET date = %(day)s"
                    " WHERE move_id = %(move)s",
                    at=at,
                    day=at.date(),
                    name=f"{prefix}{day + 1:04d}",
                    prefix=prefix,
                    number=day + 1,
                    layer=layer.id,
                    move=layer.account_move_id.id or 0,
                )
            )
        cls.env.invalidate_all()
        cls.days = [T0.date() + timedelta(days=day) for day in range(len(layers))]
        cls.stock_manager.tz = "Europe/Brussels"

    def _closing(self, day, user=None, **values):
        Closing = self.env["stock.valuation.closing"].with_user(
            user or self.stock_manager
        )
        return Closing.create({"date": day, **values})

    def _valuation(self, day, **values):
        """(options, {product id: line}) of the report at the end of ``day`` in
        the closing user's time zone, by valuation date unless ``values`` (more
        options) say otherwise."""
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {
                "company_id": self.company.id,
                "date": fields.Date.to_string(day),
                **values,
            }
        )
        lines = engine._get_valuation(options)[0]
        return options, {line["product_id"]: line for line in lines}

    def _what_if(self, day, **values):
        """``_valuation`` with the what-if columns."""
        return self._valuation(day, show_what_if=True, **values)

    def _full_scan(self, day):
        """{product: (quantity, value)} of the report at the end of ``day``, by
        valuation date, in the closing user's time zone (from the start of
        history while no closing precedes ``day``)."""
        return {
            product_id: (line["quantity"], line["value"])
            for product_id, line in self._valuation(day)[1].items()
            if line["quantity"] or line["value"]
        }

    def _redate(self, layers, day, entry_day=None):
        """Date ``layers`` on ``day`` (at 9:00 UTC) and their journal entries on
        ``entry_day`` (default: ``day``), through SQL."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET create_date = %(at)s"
                " WHERE id IN %(layers)s;"
                " UPDATE account_move SET date = %(day)s WHERE id IN %(moves)s;"
                " UPDATE account_move_line SET date = %(day)s"
                " WHERE move_id IN %(moves)s",
                at=fields.Datetime.to_datetime(day) + timedelta(hours=9),
                layers=tuple(layers.ids),
                day=entry_day or day,
                moves=tuple(layers.account_move_id.ids) or (0,),
            )
        )
        self.env.invalidate_all()

    def _snapshot(self, closing):
        """{product: (quantity, value)} of the closing's lines that hold some."""
        return {
            line.product_id.id: (line.quantity, line.value)
            for line in closing.line_ids
            if line.quantity or line.value
        }

    def assertSameStock(self, snapshot, full_scan):
        self.assertEqual(set(snapshot), set(full_scan))
        for product_id, (quantity, value) in full_scan.items():
            self.assertAlmostEqual(snapshot[product_id][0], quantity, 4)
            self.assertAlmostEqual(snapshot[product_id][1], value, 2)
