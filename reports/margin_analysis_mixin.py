# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class MarginAnalysisMixin(models.AbstractModel):
    """What the sales and the invoice analyses gain: the document's main product
    and its category as dimensions, the category's minimum margin rate and the
    margin rate of each group beside them. An analysis names its margin and
    amount columns (``_margin_analysis_columns``) and selects the four fields."""

    _name = "margin.analysis.mixin"
    _description = "Analysis by Main Article"
    # (margin, untaxed amount): the columns a group's margin rate is made of
    _margin_analysis_columns = ("margin", "price_subtotal")

    main_product_id = fields.Many2one(comodel_name="product.product", readonly=True)
    main_categ_id = fields.Many2one(
        comodel_name="product.category", string="Main Article Category", readonly=True
    )
    main_min_margin_rate = fields.Float(
        string="Minimum Margin Rate (%)",
        aggregator="max",
        readonly=True,
        help="The minimum margin rate that the main article's category applies.",
    )
    margin_rate = fields.Float(
        string="Margin Rate (%)",
        aggregator="avg",
        readonly=True,
        help="Margin in percent of the untaxed amount, of each group as a whole.",
    )

    def _read_group_select(self, aggregate_spec, query):
        """A group's margin rate is the sum of its margins in percent of the sum
        of its untaxed amounts (an average of its rows' rates would weigh a
        small line as much as a large one); NULL when the amounts sum to 0."""
        if aggregate_spec != "margin_rate:avg":
            return super()._read_group_select(aggregate_spec, query)
        margin, amount = self._margin_analysis_columns
        return SQL(
            "SUM(%s) * 100 / NULLIF(SUM(%s), 0)",
            self._field_to_sql(self._table, margin, query),
            self._field_to_sql(self._table, amount, query),
        )

    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        """A minimum margin rate belongs to one main article's category: a
        group that is not one category's (a pivot's total, a month) shows
        none, where the largest of its categories' would read as its own."""
        rows = super()._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )
        by_category = {"main_categ_id", "main_product_id"}
        if by_category & {spec.split(":")[0] for spec in groupby}:
            return rows
        hidden = {
            len(groupby) + index
            for index, spec in enumerate(aggregates)
            if spec.split(":")[0] == "main_min_margin_rate"
        }
        if not hidden:
            return rows
        return [
            tuple(
                False if index in hidden else value for index, value in enumerate(row)
            )
            for row in rows
        ]
