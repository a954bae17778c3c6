# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The periodic adjustment of an inventory closing: for products valued
periodically (their stock moves post nothing), one entry on the closing day that
brings each stock valuation account to the closing value of their stock, against
each category's stock variation account; reopening the closing reverses it."""

from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class StockValuationClosing(models.Model):
    _inherit = "stock.valuation.closing"

    adjustment_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Periodic Adjustment",
        readonly=True,
        copy=False,
        check_company=True,
        help="The entry that brought the stock valuation accounts of periodically "
        "valued products to their closing value (reversed when the closing is "
        "reopened).",
    )

    def _periodic_values(self, closing):
        """{(stock valuation account id, category id): value} of the periodically
        valued products of ``closing`` (none: empty)."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT account_id, categ_id, SUM(value)
                  FROM stock_valuation_closing_line
                 WHERE closing_id = %s AND valuation = 'manual_periodic'
                   AND account_id IS NOT NULL
                 GROUP BY account_id, categ_id
                """,
                closing.id or None,
            )
        )
        return {(account, category): value for account, category, value in rows}

    def _adjusted_balances(self, account_ids):
        """{account id: (posted ledger balance at the closing day, value of the
        perpetually valued products posting there)}: the part of the balance
        that the periodic stock makes is the difference."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.id,
                       (SELECT COALESCE(SUM(aml.balance), 0)
                          FROM account_move_line aml
                         WHERE aml.account_id = a.id AND aml.company_id = %(company)s
                           AND aml.parent_state = 'posted' AND aml.date <= %(date)s),
                       (SELECT COALESCE(SUM(l.value), 0)
                          FROM stock_valuation_closing_line l
                         WHERE l.closing_id = %(closing)s AND l.account_id = a.id
                           AND l.valuation IS DISTINCT FROM 'manual_periodic')
                  FROM unnest(%(accounts)s::int[]) AS a(id)
                """,
                company=self.company_id.id,
                date=self.date,
                closing=self.id,
                accounts=list(account_ids),
            )
        )
        return {account: (ledger, perpetual) for account, ledger, perpetual in rows}

    def _counterpart(self, category):
        """The stock variation account of ``category``, else its expense
        account."""
        category = category.with_company(self.company_id)
        account = (
            category.property_stock_variation_account_id
            or category.property_account_expense_categ_id
        )
        if not account:
            raise UserError(
                self.env._(
                    "%(closing)s cannot post the periodic adjustment of %(category)s:"
                    " the category has neither a stock variation account nor an "
                    "expense account. Set one on the category, then close again.",
                    closing=self.display_name,
                    category=category.display_name,
                )
            )
        return account

    def _adjustment_lines(self):
        """The journal items of the periodic adjustment (empty when nothing
        changes): per periodic stock valuation account, the amount that brings
        its balance to the closing value; per counterpart account, the change
        in value of its categories since the previous closing (all of their
        value at the first one), and what the account held beyond the previous
        closing's value (entries by hand, the opening balance) on the
        counterpart of its first category."""
        currency = self.currency_id
        values = self._periodic_values(self)
        previous = self._periodic_values(self.previous_id) if self.previous_id else {}
        accounts = {account for account, _category in values | previous}
        if not accounts:
            return []
        balances = self._adjusted_balances(accounts)
        Category = self.env["product.category"].sudo()
        name = self.env._("Periodic stock adjustment %(closing)s", closing=self.name)
        lines = []
        for account_id in sorted(accounts):
            ledger, perpetual = balances[account_id]
            categories = sorted(
                {
                    category
                    for account, category in values | previous
                    if account == account_id
                }
            )
            target = sum(values.get((account_id, c), 0.0) for c in categories)
            amount = currency.round(target - (ledger - perpetual))
            counterparts = defaultdict(float)
            for category_id in categories:
                change = currency.round(
                    values.get((account_id, category_id), 0.0)
                    - previous.get((account_id, category_id), 0.0)
                )
                counterparts[self._counterpart(Category.browse(category_id))] -= change
            first = self._counterpart(Category.browse(categories[0]))
            counterparts[first] -= currency.round(amount + sum(counterparts.values()))
            if currency.is_zero(amount) and all(
                currency.is_zero(balance) for balance in counterparts.values()
            ):
                continue
            lines.append(
                {
                    "account_id": account_id,
                    "balance": amount,
                    "name": name,
                }
            )
            lines.extend(
                {
                    "account_id": counterpart.id,
                    "balance": currency.round(balance),
                    "name": name,
                }
                for counterpart, balance in counterparts.items()
                if not currency.is_zero(balance)
            )
        return lines

    def _post_adjustment(self):
        """Post the periodic adjustment, where the company asks for it."""
        self.ensure_one()
        if not self.company_id.inventory_closing_adjustment:
            return
        lines = self._adjustment_lines()
        if not lines:
            return
        journal = (
            self.env["account.journal"]
            .sudo()
            .search(
                [
                    *self.env["account.journal"]._check_company_domain(self.company_id),
                    ("type", "=", "general"),
                ],
                limit=1,
            )
        )
        move = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "company_id": self.company_id.id,
                    "journal_id": journal.id,
                    "date": self.date,
                    "ref": self.env._(
                        "Inventory closing %(closing)s: periodic adjustment",
                        closing=self.name,
                    ),
                    "line_ids": [fields.Command.create(line) for line in lines],
                }
            )
        )
        move.action_post()
        self.sudo().adjustment_move_id = move

    def _reverse_adjustment(self):
        """Reverse the periodic adjustment of a reopened closing, on its day."""
        self.ensure_one()
        move = self.adjustment_move_id.sudo()
        if not move or move.reversal_move_ids:
            return
        reversal = move._reverse_moves(
            [
                {
                    "date": move.date,
                    "ref": self.env._(
                        "Reversal of %(entry)s: %(closing)s reopened",
                        entry=move.name,
                        closing=self.name,
                    ),
                }
            ]
        )
        reversal.action_post()
