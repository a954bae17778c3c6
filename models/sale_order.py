# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, format_datetime

MARGIN_APPROVAL_FIELDS = (
    "margin_approved_by_id",
    "margin_approved_date",
    "margin_approved_rate",
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    main_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Main Article Line",
        compute="_compute_main_line_id",
        help="Among the lines whose product category is flagged Main Article, the "
        "one with the highest untaxed subtotal (ties: the first one).",
    )
    main_product_id = fields.Many2one(
        comodel_name="product.product",
        compute="_compute_main_line_id",
    )
    required_margin_rate = fields.Float(
        string="Required Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_main_line_id",
        help="Minimum margin rate of the main product's category (0 when the "
        "quotation has no main article).",
    )
    margin_rate = fields.Float(
        string="Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_margin_rate",
        help="Margin in percent of the untaxed amount (0 when the untaxed amount "
        "is 0).",
    )
    margin_below_minimum = fields.Boolean(
        compute="_compute_margin_rate",
        help="The margin rate is below the rate required by the main product's "
        "category.",
    )
    margin_approved_by_id = fields.Many2one(
        comodel_name="res.users", copy=False, readonly=True
    )
    margin_approved_date = fields.Datetime(
        string="Margin Approved On", copy=False, readonly=True
    )
    margin_approved_rate = fields.Float(
        string="Approved Margin Rate (%)", digits=(16, 2), copy=False, readonly=True
    )
    margin_approval_needed = fields.Boolean(
        compute="_compute_margin_rate",
        help="Below the required margin rate and not approved by a sales manager: "
        "the quotation cannot be confirmed.",
    )

    @api.depends(
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
            )

    @api.depends(
        "margin_percent",
        "required_margin_rate",
        "margin_approved_by_id",
        "margin_approved_rate",
    )
    def _compute_margin_rate(self):
        for order in self:
            order.margin_rate = order.margin_percent * 100
            order.margin_below_minimum = (
                float_compare(
                    order.margin_rate, order.required_margin_rate, precision_digits=2
                )
                < 0
            )
            order.margin_approval_needed = (
                order.margin_below_minimum and not order._margin_approval_holds()
            )

    def _margin_approval_holds(self):
        """Return whether a sales manager approved a rate this order still reaches."""
        self.ensure_one()
        return bool(self.margin_approved_by_id) and (
            float_compare(
                self.margin_rate, self.margin_approved_rate, precision_digits=2
            )
            >= 0
        )

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error or not self.margin_approval_needed:
            return error
        return self.env._(
            "Quotation %(order)s cannot be confirmed: its margin rate is "
            "%(rate).2f%%, below the minimum of %(required).2f%% set on category "
            "%(category)s for its main product %(product)s. Raise its prices or "
            "lower its costs, or ask a sales manager to approve this margin.",
            order=self.name,
            rate=self.margin_rate,
            required=self.required_margin_rate,
            category=self.main_product_id.categ_id.min_margin_rate_source_id.display_name,
            product=self.main_product_id.display_name,
        )

    def write(self, vals):
        if (
            not self.env.su
            and any(name in vals for name in MARGIN_APPROVAL_FIELDS)
            and not self.env.user.has_group("sales_team.group_sale_manager")
        ):
            raise AccessError(
                self.env._("Only sales managers can approve a quotation's margin.")
            )
        return super().write(vals)

    def action_approve_margin(self):
        """Approve the current margin rate of quotations below their minimum."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(
                self.env._("Only sales managers can approve a quotation's margin.")
            )
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Order %(order)s is no longer a quotation: its margin "
                        "cannot be approved.",
                        order=order.name,
                    )
                )
            if not order.margin_below_minimum:
                raise UserError(
                    self.env._(
                        "Quotation %(order)s reaches its minimum margin rate "
                        "(%(rate).2f%% for %(required).2f%% required): there is "
                        "nothing to approve.",
                        order=order.name,
                        rate=order.margin_rate,
                        required=order.required_margin_rate,
                    )
                )
            now = fields.Datetime.now()
            order.write(
                {
                    "margin_approved_by_id": self.env.user.id,
                    "margin_approved_date": now,
                    "margin_approved_rate": order.margin_rate,
                }
            )
            order.message_post(
                subtype_xmlid="product_category_valuation.mt_margin_approval",
                body=self.env._(
                    "Margin approved by %(user)s on %(date)s at a margin rate of "
                    "%(rate).2f%% (minimum required: %(required).2f%%).",
                    user=self.env.user.name,
                    date=format_datetime(self.env, now),
                    rate=order.margin_rate,
                    required=order.required_margin_rate,
                ),
            )
        return True

    def _void_lowered_margin_approvals(self):
        """Clear approvals whose orders fell below the approved margin rate."""
        quotations = self.filtered(
            lambda order: (
                order.margin_approved_by_id and order.state in ("draft", "sent")
            )
        )
        for order in quotations:
            if order._margin_approval_holds():
                continue
            approved_rate = order.margin_approved_rate
            order.sudo().write(dict.fromkeys(MARGIN_APPROVAL_FIELDS, False))
            order.message_post(
                subtype_xmlid="product_category_valuation.mt_margin_approval",
                body=self.env._(
                    "Margin approval voided: the margin rate fell from the approved "
                    "%(approved).2f%% to %(rate).2f%%.",
                    approved=approved_rate,
                    rate=order.margin_rate,
                ),
            )
