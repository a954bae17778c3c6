# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The customer paths of quotations below their minimum margin: a customer's
signature or payment waits for a sales manager's approval instead of failing,
and the approval confirms the quotation. The approval workflow itself is the
margin control mixin's."""

from odoo import fields, models

# The context key by which a customer's own confirmation asks action_confirm to
# hold a quotation below its minimum margin for approval instead of failing, and
# its values: why the quotation is held.
MARGIN_HOLD = "product_category_valuation_margin_hold"
HOLD_SIGNED = "signed"
HOLD_PAID = "paid"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    margin_confirm_on_approval = fields.Boolean(
        string="Confirm on Margin Approval",
        copy=False,
        readonly=True,
        groups="base.group_user",
        prefetch="margin",
        help="The customer signed or paid this quotation while its margin was below "
        "the minimum: it is confirmed as soon as a sales manager approves it.",
    )

    def _confirmable_now(self):
        """These quotations but those a customer path holds: the signature and
        the online payment set ``MARGIN_HOLD`` in the context, and there a
        quotation below its minimum waits for a sales manager instead of failing
        the customer's action."""
        reason = self.env.context.get(MARGIN_HOLD)
        if not reason:
            return self
        held = self.sudo().filtered(
            lambda order: (
                order.state in ("draft", "sent") and order.margin_approval_needed
            )
        )
        held._hold_for_margin_approval(reason)
        return self - held

    def _action_confirm(self):
        result = super()._action_confirm()
        self._close_margin_approval_request()
        self.sudo().filtered("margin_confirm_on_approval").write(
            {"margin_confirm_on_approval": False}
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

    def _margin_step_waits(self):
        return self._margin_approval().margin_confirm_on_approval

    def _margin_after_approval(self):
        signed = self.filtered("margin_confirm_on_approval")
        if signed:
            # As the customer's own confirmation would have done it.
            signed.sudo().with_context(send_email=True).action_confirm()
