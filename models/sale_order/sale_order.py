# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A quotation's main article and the rule of confirmation: below the minimum
margin of its main article's category, a quotation is not confirmed (Block), or
is confirmed with a note (Warn). The figures and the approval workflow are the
margin control mixin's (``margin_control_mixin.py``); the customer paths that
wait for an approval are in ``margin_approval.py``."""

from odoo import api, fields, models
from odoo.tools import SQL


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "margin.control.mixin"]

    margin_policy = fields.Selection(related="company_id.margin_policy")
    main_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Main Article Line",
        compute="_compute_main_article",
        store=True,
        ondelete="set null",
        groups="base.group_user",
        prefetch="margin",
        help="Among the lines whose product category is flagged Main Article, the "
        "one with the highest untaxed subtotal (ties: the first one).",
    )
    margin_below_minimum = fields.Boolean(search="_search_margin_below_minimum")
    margin_alert = fields.Boolean(
        compute="_compute_margin_alert",
        help="A quotation below its minimum margin, as employees see it (the red "
        "rows of the quotation list); always unset for customers, who never "
        "learn of margins.",
    )

    @api.depends(
        "order_line.price_subtotal",
        "order_line.sequence",
        "order_line.display_type",
        "order_line.product_id.categ_id.is_main_article",
    )
    def _compute_main_article(self):
        for order in self:
            main_line = self.env["product.category"]._main_article_line(
                order.order_line.filtered(lambda line: not line.display_type)
            )
            order.main_line_id = main_line
            order.main_product_id = main_line.product_id
            order.main_categ_id = main_line.product_id.categ_id

    def _margin_rate_depends(self):
        return [
            "margin_confirm_on_approval",
            "margin_percent",
            "order_line.purchase_price",
        ]

    def _margin_rate_value(self):
        return self.margin_percent * 100

    @api.depends("state", "margin_below_minimum")
    @api.depends_context("uid")
    def _compute_margin_alert(self):
        employee = self.env.user._is_internal()
        for order in self:
            order.margin_alert = (
                employee and order._margin_is_open() and order.margin_below_minimum
            )

    def _search_margin_below_minimum(self, operator, value):
        """Orders whose margin rate is under the minimum of their main product's
        category, as ``_compute_margin_rate`` decides it (to the hundredth of a
        percent, a margin policy other than Off), in one query."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(
                self.env._("Unsupported search on Below Minimum Margin.")
            )
        self.flush_model(["margin_percent"])
        below = SQL(
            """
            (SELECT d.id FROM %s
             WHERE c.margin_policy <> 'off'
               AND k.effective_min_margin_rate > 0
               AND ROUND(
                   (COALESCE(d.margin_percent, 0) * 100
                    - k.effective_min_margin_rate)::numeric, 2
               ) < 0)
            """,
            self._minimum_margin_from(),
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", below)]

    def _margin_missing_cost_lines(self, line_ids=None, prefetch_ids=()):
        """Product lines whose cost is 0: sale_margin counts their whole price as
        margin."""
        self.ensure_one()
        if line_ids is not None:
            lines = self.env["sale.order.line"].browse(line_ids)
            return lines.with_prefetch(prefetch_ids or line_ids)
        return self.order_line.filtered(
            lambda line: (
                not line.display_type
                and not line.is_downpayment
                and line.product_id
                and not line.purchase_price
            )
        )

    def _margin_missing_cost_query(self):
        """The same lines of a stored order, from the database: every read of its
        form needs them, and reading its lines would fetch every column of
        each."""
        self.env["sale.order.line"].flush_model(
            [
                "order_id",
                "display_type",
                "is_downpayment",
                "product_id",
                "purchase_price",
                "sequence",
            ]
        )
        return SQL(
            """
            ARRAY(
                SELECT l.id FROM sale_order_line l
                 WHERE l.order_id = d.id AND l.display_type IS NULL
                   AND l.is_downpayment IS NOT TRUE AND l.product_id IS NOT NULL
                   AND COALESCE(l.purchase_price, 0) = 0
                 ORDER BY l.sequence, l.id
            )
            """
        )

    def _margin_is_open(self):
        return self.state in ("draft", "sent")

    def _margin_document_name(self):
        return self.env._("Quotation %(order)s", order=self.name)

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error or not self.margin_approval_needed:
            return error
        return self.env._(
            "Quotation %(order)s cannot be confirmed. %(reason)s Raise its prices or "
            "lower its costs, or ask a sales manager to approve this margin (Request "
            "Approval).",
            order=self.name,
            reason=self._margin_shortfall_message(),
        )

    def action_confirm(self):
        """A quotation that a customer's signature or payment confirms while below
        its minimum waits for a sales manager (``_confirmable_now``); under the
        Warn policy, a quotation below its minimum is confirmed and its chatter
        says so. The Block policy refuses the others through
        ``_confirmation_error_message``."""
        orders = self._confirmable_now()
        if not orders:
            return True
        warned = orders.sudo().filtered(
            lambda order: (
                order.margin_below_minimum and order.company_id.margin_policy == "warn"
            )
        )
        notes = {order.id: order._margin_shortfall_message() for order in warned}
        result = super(SaleOrder, orders).action_confirm()
        for order in warned:
            order._log_margin_note(
                self.env._(
                    "Confirmed below the minimum margin (company policy: Warn). %s",
                    notes[order.id],
                )
            )
        return result
