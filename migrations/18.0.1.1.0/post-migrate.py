# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0:

- a closing's periodic adjustment is one entry per stock journal
  (``adjustment_move_ids``): the single entry of earlier closings moves there;
- the inventory closings' sequence no longer locks while a closing computes
  (a standard sequence instead of a gap-less one);
- the what-if columns count the values added to the stock received (landed
  costs, price differences, revaluations): the done closings' value received
  takes them in, and each done closing writes again, cut in parts, the
  receipts of the products that received such values up to its cut-off (the
  report reads the latest closing's parts)."""

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL
from odoo.tools.sql import column_exists

ENGINE = "report.product_category_valuation.inventory_valuation"


def _adjustment_entries(cr):
    if not column_exists(cr, "stock_valuation_closing", "adjustment_move_id"):
        return
    cr.execute(
        SQL(
            """
            INSERT INTO stock_valuation_closing_adjustment_rel (closing_id, move_id)
            SELECT id, adjustment_move_id FROM stock_valuation_closing
             WHERE adjustment_move_id IS NOT NULL
            ON CONFLICT DO NOTHING;
            ALTER TABLE stock_valuation_closing DROP COLUMN adjustment_move_id;
            """
        )
    )


def _added_values(env):
    env.cr.execute(
        SQL(
            """
            UPDATE stock_valuation_closing_line l
               SET incoming_value = l.incoming_value + a.value
              FROM (
                  SELECT line.id, SUM(svl.value) AS value
                    FROM stock_valuation_closing_line line
                    JOIN stock_valuation_closing c ON c.id = line.closing_id
                    JOIN stock_valuation_layer svl
                      ON svl.product_id = line.product_id
                     AND svl.company_id = c.company_id
                     AND svl.create_date < c.cutoff
                     AND svl.quantity = 0 AND svl.value <> 0
                   WHERE c.state = 'done'
                   GROUP BY line.id
              ) a
             WHERE a.id = l.id
            """
        )
    )
    engine = env[ENGINE]
    closings = env["stock.valuation.closing"].search(
        [("state", "=", "done")], order="company_id, cutoff"
    )
    for closing in closings:
        options = engine.with_context(tz=closing.tz or "UTC")._get_options(
            {
                "company_id": closing.company_id.id,
                "date": fields.Date.to_string(closing.date),
                "date_basis": "valuation",
                "level": "summary",
            }
        )
        closing._insert_receipts(
            engine._closing_receipts_query(options, closing.browse(), added_only=True)
        )


def _standard_sequence(env):
    sequence = env.ref(
        "product_category_valuation.sequence_stock_valuation_closing",
        raise_if_not_found=False,
    )
    if sequence and sequence.implementation != "standard":
        sequence.implementation = "standard"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    _adjustment_entries(cr)
    _standard_sequence(env)
    _added_values(env)
