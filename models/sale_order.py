# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A quotation's margin figures and the rule of confirmation: below the minimum
margin of its main article's category, a quotation is not confirmed (Block), or
is confirmed with a note (Warn). The approval workflow is in
``sale_order_margin_approval.py``."""

from odoo import api, fields, models
from odoo.tools import float_compare, format_list, formatLang


class SaleOrder(models.Model):
    _inherit = "sale.order"

    main_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Main Article Line",
        compute="_compute_main_line_id",
        groups="base.group_user",
        help="Among the lines whose product category is flagged Main Article, the "
        "one with the highest untaxed subtotal (ties: the first one).",
    )
    main_product_id = fields.Many2one(
        comodel_name="product.product",
        compute="_compute_main_line_id",
        groups="base.group_user",
    )
    required_margin_rate = fields.Float(
        string="Required Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_main_line_id",
        groups="base.group_user",
        help="Minimum margin rate of the main product's category, inherited from its "
        "parents. 0 when no minimum applies: no main article, no minimum set on "
        "its category or its parents, or the company's margin policy is Off.",
    )
    margin_rate = fields.Float(
        string="Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_margin_rate",
        groups="base.group_user",
        help="Margin in percent of the untaxed amount (0 when the untaxed amount "
        "is 0).",
    )
    margin_below_minimum = fields.Boolean(
        compute="_compute_margin_rate",
        groups="base.group_user",
        help="A minimum margin rate applies and the margin rate is below it.",
    )
    margin_missing_cost_products = fields.Char(
        string="Cost Missing On",
        compute="_compute_margin_rate",
        groups="base.group_user",
        help="Products of the quotation whose cost is 0 while a minimum margin rate "
        "applies: their whole price counts as margin until their cost is set.",
    )
    margin_policy = fields.Selection(related="company_id.margin_policy")
    margin_approval_needed = fields.Boolean(
        compute="_compute_margin_rate",
        groups="base.group_user",
        help="Below the required margin rate, the company's margin policy is Block "
        "and no sales manager approved the margin: the quotation cannot be "
        "confirmed.",
    )

    @api.depends(
        "company_id.margin_policy",
        "order_line.price_subtotal",
        "order_line.sequence",
        "order_line.product_id.categ_id.is_main_article",
        "order_line.product_id.categ_id.effective_min_margin_rate",
    )
    def _compute_main_line_id(self):
        for order in self:
            candidates = order.order_line.filtered(
                lambda line: (
                    not line.display_type and line.product_id.categ_id.is_main_article
                )
            )
            # max() keeps the first of equal keys: sort by sequence first.
            main_line = max(
                candidates.sorted(lambda line: (line.sequence, line._origin.id or 0)),
                key=lambda line: line.price_subtotal,
                default=order.order_line.browse(),
            )
            order.main_line_id = main_line
            order.main_product_id = main_line.product_id
            order.required_margin_rate = (
                main_line.product_id.categ_id.effective_min_margin_rate
                if order.company_id.margin_policy != "off"
                else 0.0
            )

    @api.depends(
        "company_id.margin_policy",
        "margin_percent",
        "required_margin_rate",
        "margin_approved_by_id",
        "margin_approved_rate",
        "order_line.purchase_price",
    )
    def _compute_margin_rate(self):
        for order in self:
            order.margin_rate = order.margin_percent * 100
            applies = order.required_margin_rate > 0
            order.margin_below_minimum = applies and (
                float_compare(
                    order.margin_rate, order.required_margin_rate, precision_digits=2
                )
                < 0
            )
            order.margin_approval_needed = (
                order.margin_below_minimum
                and order.company_id.margin_policy == "block"
                and not order._margin_approval_holds()
            )
            order.margin_missing_cost_products = (
                format_list(
                    self.env,
                    order._margin_missing_cost_lines().product_id.mapped(
                        "display_name"
                    ),
                )
                if applies
                else False
            )

    def _margin_missing_cost_lines(self):
        """Product lines whose cost is 0: sale_margin counts their whole price as
        margin."""
        self.ensure_one()
        return self.order_line.filtered(
            lambda line: (
                not line.display_type
                and not line.is_downpayment
                and line.product_id
                and not line.purchase_price
            )
        )

    def _format_rate(self, rate):
        """A rate in percent as the current language writes it ("6,67 %" in
        French, "6.67 %" in English)."""
        return f"{formatLang(self.env, rate, digits=2)} %"

    def _margin_shortfall_message(self):
        """Why this quotation is below its minimum, for staff (never customers)."""
        self.ensure_one()
        message = self.env._(
            "Its margin rate, %(rate)s, is below the minimum of %(required)s set on "
            "category %(category)s for its main product %(product)s.",
            rate=self._format_rate(self.margin_rate),
            required=self._format_rate(self.required_margin_rate),
            category=self.main_product_id.categ_id.min_margin_rate_source_id.display_name,
            product=self.main_product_id.display_name,
        )
        if self.margin_missing_cost_products:
            message += " " + self.env._(
                "Cost missing on %(products)s: their whole price counts as margin "
                "until their cost is set.",
                products=self.margin_missing_cost_products,
            )
        return message

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
        """Under the Warn policy, a quotation below its minimum is confirmed and
        its chatter says so."""
        warned = self.sudo().filtered(
            lambda order: (
                order.margin_below_minimum and order.company_id.margin_policy == "warn"
            )
        )
        notes = {order.id: order._margin_shortfall_message() for order in warned}
        result = super().action_confirm()
        for order in warned:
            order._log_margin_note(
                self.env._(
                    "Confirmed below the minimum margin (company policy: Warn). %s",
                    notes[order.id],
                )
            )
        return result
