# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from .sale_order.margin_approval import HOLD_PAID, MARGIN_HOLD


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A paid quotation below its minimum margin is kept, with its payment, for
        a sales manager to approve: it is not among the confirmed orders."""
        confirmed = super(
            PaymentTransaction, self.with_context(**{MARGIN_HOLD: HOLD_PAID})
        )._check_amount_and_confirm_order()
        return confirmed.filtered(lambda order: order.state == "sale")
