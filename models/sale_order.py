# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, format_datetime, format_list, formatLang

MARGIN_APPROVAL_FIELDS = (
    "margin_approved_by_id",
    "margin_approved_date",
    "margin_approved_rate",
)
MARGIN_ACTIVITY = "product_category_valuation.mail_act_margin_approval"
MARGIN_SUBTYPE = "product_category_valuation.mt_margin_approval"
SALE_MANAGER = "sales_team.group_sale_manager"


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
    margin_approved_by_id = fields.Many2one(
        comodel_name="res.users", copy=False, readonly=True, groups="base.group_user"
    )
    margin_approved_date = fields.Datetime(
        string="Margin Approved On", copy=False, readonly=True, groups="base.group_user"
    )
    margin_approved_rate = fields.Float(
        string="Approved Margin Rate (%)",
        digits=(16, 2),
        copy=False,
        readonly=True,
        groups="base.group_user",
    )
    margin_approval_summary = fields.Char(
        string="Margin Approval",
        compute="_compute_margin_approval_summary",
        groups="base.group_user",
    )
    margin_approval_needed = fields.Boolean(
        compute="_compute_margin_rate",
        groups="base.group_user",
        help="Below the required margin rate, the company's margin policy is Block "
        "and no sales manager approved the margin: the quotation cannot be "
        "confirmed.",
    )
    margin_approval_requested = fields.Boolean(
        string="Margin to Approve",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_user",
        help="A salesperson asked the sales managers to approve this quotation's "
        "margin, or the customer signed or paid it while its margin was below the "
        "minimum.",
    )
    margin_confirm_on_approval = fields.Boolean(
        string="Confirm on Margin Approval",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The customer signed or paid this quotation while its margin was below "
        "the minimum: it is confirmed as soon as a sales manager approves it.",
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

    @api.depends("margin_approved_by_id", "margin_approved_date")
    @api.depends_context("lang", "tz")
    def _compute_margin_approval_summary(self):
        for order in self:
            order.margin_approval_summary = order.margin_approved_by_id and self.env._(
                "Approved by %(user)s on %(date)s at %(rate)s",
                user=order.margin_approved_by_id.name,
                date=format_datetime(self.env, order.margin_approved_date),
                rate=order._format_rate(order.margin_approved_rate),
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

    def _margin_approval_holds(self):
        """Return whether a sales manager approved a rate this order still reaches."""
        self.ensure_one()
        return bool(self.margin_approved_by_id) and (
            float_compare(
                self.margin_rate, self.margin_approved_rate, precision_digits=2
            )
            >= 0
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

    def write(self, vals):
        if any(name in vals for name in MARGIN_APPROVAL_FIELDS):
            self._check_margin_manager()
        return super().write(vals)

    def _check_margin_manager(self):
        if not self.env.su and not self.env.user.has_group(SALE_MANAGER):
            raise AccessError(
                self.env._("Only sales managers can approve a quotation's margin.")
            )

    # ------------------------------------------------------------------
    # Confirmation paths
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Customer paths (signature, online payment) pass ``margin_hold_reason``:
        there a quotation below its minimum waits for a sales manager instead of
        failing the customer's action."""
        orders = self
        reason = self.env.context.get("margin_hold_reason")
        if reason:
            held = self.sudo().filtered(
                lambda order: (
                    order.state in ("draft", "sent") and order.margin_approval_needed
                )
            )
            held._hold_for_margin_approval(reason)
            orders -= held
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

    def _action_confirm(self):
        result = super()._action_confirm()
        waiting = self.sudo().filtered(
            lambda order: (
                order.margin_approval_requested or order.margin_confirm_on_approval
            )
        )
        waiting.activity_unlink([MARGIN_ACTIVITY])
        waiting.write(
            {"margin_approval_requested": False, "margin_confirm_on_approval": False}
        )
        return result

    def _validate_order(self):
        # Signature on the portal, or a checkout that needs no payment.
        signed = self.with_context(margin_hold_reason="signed")
        return super(SaleOrder, signed)._validate_order()

    def _hold_for_margin_approval(self, reason):
        """Keep quotations a customer accepted while below their minimum margin:
        mark them, note why and ask the sales managers to approve."""
        if not self:
            return
        self.sudo().write(
            {"margin_approval_requested": True, "margin_confirm_on_approval": True}
        )
        for order in self:
            order._log_margin_note(
                self.env._(
                    "Signed by the customer, not confirmed: waiting for a sales "
                    "manager's margin approval. %s",
                    order._margin_shortfall_message(),
                )
                if reason == "signed"
                else self.env._(
                    "Paid by the customer, not confirmed: waiting for a sales "
                    "manager's margin approval. %s",
                    order._margin_shortfall_message(),
                )
            )
        self._schedule_margin_approval()

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------
    def action_request_margin_approval(self):
        """Ask the company's sales managers to approve the margin."""
        for order in self:
            if not order.margin_approval_needed or order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Quotation %(order)s needs no margin approval.",
                        order=order.name,
                    )
                )
        self.sudo().write({"margin_approval_requested": True})
        for order in self:
            order._log_margin_note(
                self.env._(
                    "Margin approval requested by %(user)s. %(reason)s",
                    user=self.env.user.name,
                    reason=order._margin_shortfall_message(),
                )
            )
        self._schedule_margin_approval()
        return True

    def _schedule_margin_approval(self):
        """One activity per sales manager of the order's company, unless one is
        already pending."""
        managers = (
            self.env.ref(SALE_MANAGER)
            .sudo()
            .users.filtered(lambda user: not user.share)
        )
        activity_type = self.env.ref(MARGIN_ACTIVITY)
        for order in self.sudo():
            if activity_type in order.activity_ids.activity_type_id:
                continue
            approvers = managers.filtered(
                lambda user, company=order.company_id: company in user.company_ids
            )
            for user in approvers:
                order.activity_schedule(
                    MARGIN_ACTIVITY,
                    user_id=user.id,
                    note=order._margin_shortfall_message(),
                )

    def action_approve_margin(self):
        """Approve the current margin rate of quotations below their minimum; a
        quotation the customer signed or paid is confirmed at once."""
        self._check_margin_manager()
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
                        "(%(rate)s for %(required)s required): there is nothing to "
                        "approve.",
                        order=order.name,
                        rate=order._format_rate(order.margin_rate),
                        required=order._format_rate(order.required_margin_rate),
                    )
                )
        now = fields.Datetime.now()
        for order in self:
            order.write(
                {
                    "margin_approved_by_id": self.env.user.id,
                    "margin_approved_date": now,
                    "margin_approved_rate": order.margin_rate,
                    "margin_approval_requested": False,
                }
            )
            order._log_margin_note(
                self.env._(
                    "Margin approved by %(user)s on %(date)s at %(rate)s (minimum "
                    "required: %(required)s).",
                    user=self.env.user.name,
                    date=format_datetime(self.env, now),
                    rate=order._format_rate(order.margin_rate),
                    required=order._format_rate(order.required_margin_rate),
                )
            )
        self.sudo().activity_feedback([MARGIN_ACTIVITY])
        signed = self.filtered("margin_confirm_on_approval")
        if signed:
            # As the customer's own confirmation would have done it.
            signed.sudo().with_context(send_email=True).action_confirm()
        return True

    def _void_lowered_margin_approvals(self):
        """Clear approvals whose orders fell below the approved margin rate."""
        quotations = self.filtered(
            lambda order: (
                order.sudo().margin_approved_by_id and order.state in ("draft", "sent")
            )
        ).sudo()
        for order in quotations:
            if order._margin_approval_holds():
                continue
            approved_rate = order.margin_approved_rate
            order.write(dict.fromkeys(MARGIN_APPROVAL_FIELDS, False))
            order._log_margin_note(
                self.env._(
                    "Margin approval voided: the margin rate fell from the approved "
                    "%(approved)s to %(rate)s.",
                    approved=order._format_rate(approved_rate),
                    rate=order._format_rate(order.margin_rate),
                )
            )

    def _log_margin_note(self, body):
        """A log note in the margin approval subtype, by the current user, that
        needs no e-mail address and notifies nobody."""
        self.ensure_one()
        message = self._message_log(body=body)
        message.subtype_id = self.env.ref(MARGIN_SUBTYPE)
        return message
