# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The margin approval workflow of quotations below their minimum margin: a
salesperson requests it, a sales manager approves a rate, a lower rate voids
it; a customer's signature or payment waits for it instead of failing."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, format_datetime

MARGIN_APPROVAL_FIELDS = (
    "margin_approved_by_id",
    "margin_approved_date",
    "margin_approved_rate",
)
MARGIN_ACTIVITY = "product_category_valuation.mail_act_margin_approval"
MARGIN_SUBTYPE = "product_category_valuation.mt_margin_approval"
SALE_MANAGER = "sales_team.group_sale_manager"
# The context key by which a customer's own confirmation asks action_confirm to
# hold a quotation below its minimum margin for approval instead of failing, and
# its values: why the quotation is held.
MARGIN_HOLD = "product_category_valuation_margin_hold"
HOLD_SIGNED = "signed"
HOLD_PAID = "paid"
# The context key by which the Approve Margin and Request Approval buttons carry
# the margin rate their form shows, so that nobody approves a rate unseen.
MARGIN_RATE_SEEN = "margin_rate_seen"


class SaleOrder(models.Model):
    _inherit = "sale.order"

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
    margin_requested_rate = fields.Float(
        string="Requested Margin Rate (%)",
        digits=(16, 2),
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The margin rate the salesperson asked the sales managers to approve.",
    )
    margin_confirm_on_approval = fields.Boolean(
        string="Confirm on Margin Approval",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The customer signed or paid this quotation while its margin was below "
        "the minimum: it is confirmed as soon as a sales manager approves it.",
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

    def _margin_approval_holds(self):
        """Return whether a sales manager approved a rate this order still reaches."""
        self.ensure_one()
        return bool(self.margin_approved_by_id) and (
            float_compare(
                self.margin_rate, self.margin_approved_rate, precision_digits=2
            )
            >= 0
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
    # Customer paths: held for approval instead of failing
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Customer paths (signature, online payment) set ``MARGIN_HOLD`` in the
        context: there a quotation below its minimum waits for a sales manager
        instead of failing the customer's action."""
        reason = self.env.context.get(MARGIN_HOLD)
        if not reason:
            return super().action_confirm()
        held = self.sudo().filtered(
            lambda order: (
                order.state in ("draft", "sent") and order.margin_approval_needed
            )
        )
        held._hold_for_margin_approval(reason)
        orders = self - held
        if not orders:
            return True
        return super(SaleOrder, orders).action_confirm()

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
        signed = self.with_context(**{MARGIN_HOLD: HOLD_SIGNED})
        return super(SaleOrder, signed)._validate_order()

    def _hold_for_margin_approval(self, reason):
        """Keep quotations a customer accepted (``reason``: ``HOLD_SIGNED`` or
        ``HOLD_PAID``) while below their minimum margin: mark them, note why and
        ask the sales managers to approve."""
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
                if reason == HOLD_SIGNED
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
        """Ask the company's sales managers to approve the margin: the rate the
        salesperson's form shows (``MARGIN_RATE_SEEN``, else the current one),
        refused if the quotation's rate is lower by now."""
        self._lock_for_margin_decision()
        for order in self:
            if not order.margin_approval_needed or order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Quotation %(order)s needs no margin approval.",
                        order=order.name,
                    )
                )
        rates = self._margin_rates_seen(
            self.env._("reload it and request approval again")
        )
        for order in self:
            order.sudo().write(
                {
                    "margin_approval_requested": True,
                    "margin_requested_rate": rates[order],
                }
            )
            order._log_margin_note(
                self.env._(
                    "Margin approval requested by %(user)s at %(rate)s. %(reason)s",
                    user=self.env.user.name,
                    rate=order._format_rate(rates[order]),
                    reason=order._margin_shortfall_message(),
                )
            )
        self._schedule_margin_approval()
        return True

    def _lock_for_margin_decision(self):
        """Lock these quotations until the transaction ends, before their rate is
        read: a concurrent change of their lines either waits, or, committed
        first, makes this transaction fail to serialize and Odoo retry it on the
        new figures."""
        if not self:
            return
        self.flush_recordset()
        self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order WHERE id IN %s ORDER BY id"
                " FOR NO KEY UPDATE",
                tuple(self.ids),
            )
        )

    def _margin_rates_seen(self, what_to_do):
        """{order: the rate its form showed (``MARGIN_RATE_SEEN``), else its
        current rate}, refused when the current rate is lower than the one
        seen: the user decides on figures that are no longer true."""
        seen = self.env.context.get(MARGIN_RATE_SEEN)
        rates = {}
        for order in self:
            if seen is None:
                rates[order] = order.margin_rate
                continue
            if float_compare(order.margin_rate, seen, precision_digits=2) < 0:
                raise UserError(
                    self.env._(
                        "Quotation %(order)s: the margin changed to %(rate)s since "
                        "you opened it (%(seen)s): %(what_to_do)s.",
                        order=order.name,
                        rate=order._format_rate(order.margin_rate),
                        seen=order._format_rate(seen),
                        what_to_do=what_to_do,
                    )
                )
            rates[order] = seen
        return rates

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
        """Approve the margin rate that the manager's form shows
        (``MARGIN_RATE_SEEN``, else the current one) of quotations below their
        minimum, refused if their rate is lower by now; a quotation the customer
        signed or paid is confirmed at once."""
        self._check_margin_manager()
        self._lock_for_margin_decision()
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
        rates = self._margin_rates_seen(self.env._("reload it and approve again"))
        now = fields.Datetime.now()
        for order in self:
            order.write(
                {
                    "margin_approved_by_id": self.env.user.id,
                    "margin_approved_date": now,
                    "margin_approved_rate": rates[order],
                    "margin_approval_requested": False,
                }
            )
            order._log_margin_note(
                self.env._(
                    "Margin approved by %(user)s on %(date)s at %(rate)s (minimum "
                    "required: %(required)s).",
                    user=self.env.user.name,
                    date=format_datetime(self.env, now),
                    rate=order._format_rate(rates[order]),
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
