# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The scheduled closing: companies that ask for it have their previous month
closed by a daily scheduled action, or left for a person to justify."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .stock_valuation_closing import MANAGER_GROUP


class StockValuationClosing(models.Model):
    _inherit = "stock.valuation.closing"

    # ------------------------------------------------------------------
    # The scheduled closing
    # ------------------------------------------------------------------
    @api.model
    def _cron_close_months(self):
        """Close the previous month of every company that asks for it (its
        setting), unless it is closed already: done when the ledger agrees,
        otherwise left in draft with an activity for the inventory valuation
        managers. Never fails on a company's refusal: it waits for a person."""
        companies = self.env["res.company"].search(
            [("inventory_closing_schedule", "=", "monthly")]
        )
        for company in companies:
            # a scheduled action speaks no language: its closing's history (the
            # state it tracks) and its activities speak the company's
            lang = company.partner_id.lang or self.env.lang
            self.with_company(company).with_context(lang=lang)._close_previous_month(
                company
            )

    def _close_previous_month(self, company):
        day = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        last = company.inventory_closing_id
        if last and last.date >= day:
            return
        closing = self.search(
            [
                ("company_id", "=", company.id),
                ("date", "=", day),
                ("state", "in", ("draft", "cancel")),
            ],
            limit=1,
        ) or self.create({"company_id": company.id, "date": day})
        try:
            with self.env.cr.savepoint():
                closing._close()
        except UserError as error:
            self.env.invalidate_all()  # what the refused closing wrote is gone
            closing._ask_managers(str(error))

    def _ask_managers(self, reason):
        """An activity for each inventory valuation manager of the company, once."""
        self.ensure_one()
        managers = self.env.ref(MANAGER_GROUP).users.filtered(
            lambda user: not user.share and self.company_id in user.company_ids
        )
        waiting = self.activity_ids.user_id
        summary = self.env._("Close the inventory period")
        for manager in managers - waiting:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=manager.id,
                summary=summary,
                note=reason,
            )
