# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from .product_category import format_product_names


class StockValuationTransfer(models.AbstractModel):
    """Keeps the ledger true when a change moves the stock valuation account of
    real-time products that hold stock: the value on hand follows them from the old
    account to the new one, in one journal entry per company and journal."""

    _name = "product.stock.valuation.transfer"
    _description = "Stock Valuation Account Transfer"

    @api.model
    def _around(self, templates, companies, reason, change):
        """Run ``change()`` and transfer the value on hand of the real-time
        ``templates`` whose stock valuation account it moved, in ``companies``
        (None: every company).
        A change that leaves such a product with stock and no stock valuation
        account is refused. Returns what ``change()`` returns."""
        if not templates:
            return change()
        before = self._states(templates, companies)
        result = change()
        if before:
            self._transfer(before, self._states(templates, companies), reason)
        return result

    @api.model
    def _states(self, templates, companies):
        """{(company id, template id): state} of the templates holding stock or
        value in each company: valuation, costing method, stock valuation account
        and journal, value on hand. One query for all of them."""
        holding = defaultdict(lambda: [0.0, 0.0])
        for company, product, quantity, value in (
            self.env["stock.valuation.layer"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [("product_id.product_tmpl_id", "in", templates.ids)]
                + ([("company_id", "in", companies.ids)] if companies else []),
                ["company_id", "product_id"],
                ["quantity:sum", "value:sum"],
            )
        ):
            sums = holding[company, product.product_tmpl_id.id]
            sums[0] += quantity
            sums[1] += value
        states = {}
        by_company = defaultdict(list)
        for (company, template_id), (quantity, value) in holding.items():
            if float_is_zero(
                quantity, precision_digits=6
            ) and company.currency_id.is_zero(value):
                continue
            by_company[company].append((template_id, value))
        for company, items in by_company.items():
            batch = (
                self.env["product.template"]
                .sudo()
                .with_company(company)
                .with_context(active_test=False)
                .browse([template_id for template_id, _value in items])
            )
            for template, (_template_id, value) in zip(batch, items, strict=True):
                accounts = template.get_product_accounts()
                states[company.id, template.id] = {
                    "company": company,
                    "template": template,
                    "valuation": template.categ_id.property_valuation,
                    "cost_method": template.categ_id.property_cost_method,
                    "account": accounts.get("stock_valuation"),
                    "journal": accounts.get("stock_journal"),
                    "value": value,
                }
        return states

    @api.model
    def _transfer(self, before, after, reason):
        lines = defaultdict(lambda: defaultdict(float))
        moved = defaultdict(lambda: self.env["product.template"])
        missing = self.env["product.template"]
        for key, old in before.items():
            new = after.get(key)
            if (
                not new
                or old["valuation"] != "real_time"
                or new["valuation"] != "real_time"
                or old["cost_method"] != new["cost_method"]
            ):
                continue  # Odoo itself empties and refills the stock then
            if not new["account"]:
                missing |= new["template"]
                continue
            if not old["account"] or old["account"] == new["account"]:
                continue
            if not new["journal"]:
                raise UserError(
                    self.env._(
                        "Product %(product)s holds stock valued in real time: set a "
                        "stock journal on its item group or category before moving "
                        "its stock valuation account.",
                        product=new["template"].display_name,
                    )
                )
            target = (new["company"], new["journal"])
            lines[target][old["account"], new["account"]] += old["value"]
            # the report reconciles both accounts from now on
            (old["account"] | new["account"])._mark_stock_valuation_history()
            moved[target] |= new["template"]
        if missing:
            raise UserError(
                self.env._(
                    "%(products)s would hold stock valued in real time without a "
                    "stock valuation account: set one on their item group or "
                    "category first. Nothing was changed.",
                    products=format_product_names(missing),
                )
            )
        for (company, journal), pairs in lines.items():
            templates = moved[company, journal]
            label = self.env._(
                "Stock valuation account change (%(reason)s): %(products)s",
                reason=reason,
                products=format_product_names(templates),
            )
            line_ids = []
            for (old_account, new_account), value in pairs.items():
                if company.currency_id.is_zero(value):
                    continue
                line_ids += [
                    fields.Command.create(
                        {"name": label, "account_id": new_account.id, "balance": value}
                    ),
                    fields.Command.create(
                        {"name": label, "account_id": old_account.id, "balance": -value}
                    ),
                ]
            if not line_ids:
                continue
            move = (
                self.env["account.move"]
                .sudo()
                .with_company(company)
                .create(
                    {
                        "move_type": "entry",
                        "journal_id": journal.id,
                        "company_id": company.id,
                        "date": fields.Date.context_today(self),
                        "ref": label,
                        "line_ids": line_ids,
                        "stock_valuation_transfer": True,
                    }
                )
            )
            move._post()
            templates._message_log_batch(
                {
                    template.id: self.env._(
                        "Stock value moved to the new stock valuation account "
                        "(%(reason)s): journal entry %(entry)s.",
                        reason=reason,
                        entry=move.name,
                    )
                    for template in templates
                }
            )
