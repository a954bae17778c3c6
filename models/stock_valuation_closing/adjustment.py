# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The periodic adjustment of an inventory closing: for products valued
periodically (their stock moves post nothing), entries on the closing day that
bring each stock valuation account to the closing value of their stock, against
each category's stock variation account, one in each stock journal those
products use (as Odoo posts their perpetual peers' entries); reopening the
closing reverses them."""

from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, groupby


class StockValuationClosing(models.Model):
    _inherit = "stock.valuation.closing"

    adjustment_move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="stock_valuation_closing_adjustment_rel",
        column1="closing_id",
        column2="move_id",
        string="Periodic Adjustments",
        readonly=True,
        copy=False,
        check_company=True,
        help="The entries that brought the stock valuation accounts of periodically "
        "valued products to their closing value, one in each stock journal of "
        "those products (reversed when the closing is reopened).",
    )

    def _periodic_values(self, closing):
        """{(stock valuation account id, category id, stock journal id): value}
        of the periodically valued products of ``closing`` (none: empty), each
        in the stock journal it posts to now (``product.template._stock_journal``,
        asked once per item group and category)."""
        if not closing:
            return {}
        Template = self.env["product.template"].sudo().with_company(self.company_id)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.account_id, l.categ_id, MIN(l.product_id),
                       SUM(l.value)::float8
                  FROM stock_valuation_closing_line l
                  JOIN (%(mapping)s) m ON m.product_id = l.product_id
                 WHERE l.closing_id = %(closing)s
                   AND l.valuation = 'manual_periodic' AND l.account_id IS NOT NULL
                 GROUP BY l.account_id, l.categ_id, m.item_group_id, m.categ_id
                """,
                mapping=Template._stock_valuation_accounts_query(),
                closing=closing.id,
            )
        )
        Product = self.env["product.product"].sudo().with_company(self.company_id)
        values = defaultdict(float)
        for account_id, category_id, product_id, value in rows:
            template = Product.browse(product_id).product_tmpl_id
            journal = template._stock_journal()
            if not journal:
                raise UserError(
                    self.env._(
                        "%(closing)s cannot post the periodic adjustment of "
                        "%(product)s: neither its item group, nor its category "
                        "%(category)s, nor the company has a stock journal. Set "
                        "the Stock Journal of the category, then close again.",
                        closing=self.display_name,
                        product=template.display_name,
                        category=template.categ_id.display_name,
                    )
                )
            values[account_id, category_id, journal.id] += value
        return values

    def _adjusted_balances(self, account_ids):
        """{account id: (posted ledger balance at the closing day, value of the
        perpetually valued products posting there)}: the part of the balance
        that the periodic stock makes is the difference."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.id,
                       (SELECT COALESCE(SUM(aml.balance), 0)::float8
                          FROM account_move_line aml
                         WHERE aml.account_id = a.id AND aml.company_id = %(company)s
                           AND aml.parent_state = 'posted' AND aml.date <= %(date)s),
                       (SELECT COALESCE(SUM(l.value), 0)::float8
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

    def _adjustment_balances(self):
        """{stock journal id: {account id: balance}} of the periodic adjustment:
        per periodic stock valuation account, the amount that brings its balance
        to the closing value, made of the change in value of each category and
        journal of its products since the previous closing (all of their value
        at the first one), each against its category's counterpart in its
        journal; what the account held beyond the previous closing's value
        (entries by hand, the opening balance) goes with its first category and
        journal."""
        currency = self.currency_id
        values = self._periodic_values(self)
        previous = self._periodic_values(self.previous_id)
        keys = sorted(set(values) | set(previous))
        if not keys:
            return {}
        balances = self._adjusted_balances({key[0] for key in keys})
        Category = self.env["product.category"].sudo()
        entries = defaultdict(lambda: defaultdict(float))
        for account_id, account_keys in groupby(keys, key=lambda key: key[0]):
            changes = {
                key: currency.round(values.get(key, 0.0) - previous.get(key, 0.0))
                for key in account_keys
            }
            ledger, perpetual = balances[account_id]
            target = sum(values.get(key, 0.0) for key in changes)
            amount = currency.round(target - (ledger - perpetual))
            first = next(iter(changes))
            changes[first] += currency.round(amount - sum(changes.values()))
            for (_account, category_id, journal_id), change in changes.items():
                counterpart = self._counterpart(Category.browse(category_id))
                entries[journal_id][account_id] += change
                entries[journal_id][counterpart.id] -= change
        return entries

    def _post_adjustment(self):
        """Post the periodic adjustment, where the company asks for it: an entry
        in each stock journal whose balances are not all zero."""
        self.ensure_one()
        if not self.company_id.inventory_closing_adjustment:
            return
        currency = self.currency_id
        name = self.env._("Periodic stock adjustment %(closing)s", closing=self.name)
        moves = self.env["account.move"].sudo()
        for journal_id, balances in sorted(self._adjustment_balances().items()):
            lines = [
                {
                    "account_id": account_id,
                    "balance": currency.round(balance),
                    "name": name,
                }
                for account_id, balance in sorted(balances.items())
                if not currency.is_zero(balance)
            ]
            if not lines:
                continue
            moves |= moves.create(
                {
                    "move_type": "entry",
                    "company_id": self.company_id.id,
                    "journal_id": journal_id,
                    "date": self.date,
                    "ref": self.env._(
                        "Inventory closing %(closing)s: periodic adjustment",
                        closing=self.name,
                    ),
                    "line_ids": [fields.Command.create(line) for line in lines],
                }
            )
        moves.action_post()
        self.sudo().adjustment_move_ids = moves

    def _reverse_adjustment(self):
        """Reverse the periodic adjustment of a reopened closing, on its day."""
        self.ensure_one()
        for move in self.adjustment_move_ids.sudo():
            if move.reversal_move_ids:
                continue
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
