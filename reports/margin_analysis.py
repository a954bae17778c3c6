# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The margin rate of a group of analysis rows, shared by the sales and the
invoice analyses."""

from odoo.tools import SQL


def margin_rate_sql(report, query, margin, amount):
    """The margin rate of a group of ``report``'s rows: the sum of their
    ``margin`` in percent of the sum of their ``amount`` (an average of their
    rates would weigh a small line as much as a large one); NULL when the amount
    sums to 0."""
    return SQL(
        "SUM(%s) * 100 / NULLIF(SUM(%s), 0)",
        report._field_to_sql(report._table, margin, query),
        report._field_to_sql(report._table, amount, query),
    )
