# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0: a closing's periodic adjustment is one entry per stock journal
(``adjustment_move_ids``): the single entry of earlier closings moves there."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
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
