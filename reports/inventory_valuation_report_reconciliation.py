# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reconciliation of the inventory valuation with the general ledger: per
stock valuation account, the ledger balance, the inventory value, and their
difference explained part by part, each part computed from the journal items
or the layers behind it."""

from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

# The parts of a difference, in the order they are shown; each is computed from
# its own journal items or layers, and UNEXPLAINED holds whatever none of them
# explains. DRAFT is shown beside them, not counted.
BUCKETS = ("unlinked", "no_entry", "other_side", "differs", "moved", "unexplained")
UNEXPLAINED = "unexplained"
DRAFT = "draft"


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

    @api.model
    def _bucket_titles(self):
        """(key, title) of the parts of a difference (``BUCKETS``), then of the
        draft entries: the one place that names them."""
        return [
            ("unlinked", self.env._("Journal Items Without Layer")),
            ("no_entry", self.env._("Layers Without Journal Entry")),
            ("other_side", self.env._("Dated Across the As-of Date")),
            ("differs", self.env._("Entry Amount Differs From Its Layer")),
            ("moved", self.env._("Posted to Another Account")),
            (UNEXPLAINED, self.env._("Unexplained")),
            (DRAFT, self.env._("Draft Entries (not counted)")),
        ]

    def _stock_accounts(self, options, accounts):
        """Every account that is, or was at the date, the stock valuation account
        of a category or an item group of the company: the current ones, those
        products post to now (``accounts``), and those the layers' entries up to
        the date posted their value to."""
        company = options["company"]
        Category = self.env["product.category"].sudo().with_company(company)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT %(categ_account)s FROM product_category c
                UNION
                SELECT g.stock_valuation_account_id FROM product_item_group g
                 WHERE g.company_id = %(company)s
                UNION
                -- the valuation line of a layer's entry goes the layer's way
                SELECT aml.account_id
                  FROM stock_valuation_layer svl
                  JOIN account_move_line aml ON aml.move_id = svl.account_move_id
                 WHERE svl.company_id = %(company)s AND aml.date <= %(date)s
                   AND SIGN(aml.balance) = SIGN(svl.value) AND svl.value <> 0
                UNION
                SELECT aml.account_id
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE am.stock_valuation_transfer AND am.company_id = %(company)s
                """,
                categ_account=Category._field_to_sql(
                    "c", "property_stock_valuation_account_id"
                ),
                company=company.id,
                date=options["local_date"],
            )
        )
        ids = {account_id for (account_id,) in rows if account_id} | set(accounts)
        return (
            self.env["account.account"]
            .sudo()
            .with_company(company)
            .browse(ids - {None})
            .filtered(lambda account: company in account.company_ids)
        )

    def _reconciliation_query(self, options, stock_accounts):
        """Per stock account: its posted journal items up to the as-of day, and
        each part of its difference with the items behind it (see
        ``_get_reconciliation``). Journal entries of layers are compared with
        their layers move by move."""
        dated_join, dated = self._layer_dated(options)
        Template = self.env["product.template"].sudo().with_company(options["company"])
        return SQL(
            """
            WITH mapping AS (%(mapping)s),
            layers AS (
                -- layers with a journal entry, by entry and stock account
                SELECT svl.account_move_id AS move_id, m.account_id,
                       SUM(svl.value) AS value,
                       COALESCE(SUM(svl.value) FILTER (WHERE %(dated)s), 0)
                           AS included_value,
                       bool_or(%(dated)s) AS included
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                  LEFT JOIN mapping m ON m.product_id = svl.product_id
                 WHERE svl.company_id = %(company)s
                   AND svl.account_move_id IS NOT NULL
                 GROUP BY svl.account_move_id, m.account_id
            ),
            linked AS (SELECT DISTINCT move_id FROM layers),
            items AS (
                SELECT aml.id, aml.move_id, aml.account_id, aml.balance,
                       aml.parent_state AS state,
                       aml.date <= %(date)s AS dated,
                       COALESCE(am.stock_valuation_transfer, FALSE) AS transfer,
                       k.move_id IS NOT NULL AS linked
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                  LEFT JOIN linked k ON k.move_id = aml.move_id
                 WHERE aml.account_id = ANY(%(accounts)s)
                   AND aml.company_id = %(company)s
            ),
            ledger AS (
                SELECT account_id,
                       COALESCE(SUM(balance) FILTER (
                           WHERE state = 'posted' AND dated), 0) AS ledger,
                       COALESCE(SUM(balance) FILTER (
                           WHERE state = 'posted' AND dated AND NOT linked
                             AND NOT transfer), 0) AS unlinked,
                       array_agg(id ORDER BY id) FILTER (
                           WHERE state = 'posted' AND dated AND NOT linked
                             AND NOT transfer) AS unlinked_ids,
                       COALESCE(SUM(balance) FILTER (
                           WHERE state = 'posted' AND dated AND transfer), 0)
                           AS transfers,
                       array_agg(id ORDER BY id) FILTER (
                           WHERE state = 'posted' AND dated AND transfer)
                           AS transfer_ids,
                       COALESCE(SUM(balance) FILTER (
                           WHERE state = 'draft' AND dated), 0) AS draft,
                       array_agg(id ORDER BY id) FILTER (
                           WHERE state = 'draft' AND dated) AS draft_ids
                  FROM items
                 GROUP BY account_id
            ),
            pairs AS (
                -- one row per entry of layers and stock account: its items
                -- there (any state), their posted and dated sums, and the value
                -- of its layers whose products post there now
                SELECT COALESCE(i.move_id, l.move_id) AS move_id,
                       COALESCE(i.account_id, l.account_id) AS account_id,
                       i.item_ids,
                       i.move_id IS NOT NULL AS has_items,
                       l.move_id IS NOT NULL AS mapped_here,
                       COALESCE(i.posted, 0) AS posted,
                       COALESCE(i.posted_dated, 0) AS posted_dated,
                       COALESCE(l.value, 0) AS value,
                       COALESCE(l.included_value, 0) AS included_value,
                       COALESCE(l.included, FALSE) AS included
                  FROM (
                      SELECT move_id, account_id, array_agg(id) AS item_ids,
                             COALESCE(SUM(balance) FILTER (
                                 WHERE state = 'posted'), 0) AS posted,
                             COALESCE(SUM(balance) FILTER (
                                 WHERE state = 'posted' AND dated), 0)
                                 AS posted_dated
                        FROM items
                       WHERE linked
                       GROUP BY move_id, account_id
                  ) i
                  FULL JOIN (
                      SELECT * FROM layers WHERE account_id = ANY(%(accounts)s)
                  ) l ON l.move_id = i.move_id AND l.account_id = i.account_id
            ),
            parts AS (
                SELECT p.account_id,
                       -- posted here for products that post elsewhere, or the
                       -- reverse
                       CASE WHEN NOT p.mapped_here THEN p.posted_dated
                            WHEN NOT p.has_items THEN -p.included_value
                            ELSE 0 END AS moved,
                       -- the entry and its layers on either side of the date
                       CASE WHEN p.mapped_here AND p.has_items
                            THEN p.posted_dated
                                 - CASE WHEN p.included THEN p.posted ELSE 0 END
                            ELSE 0 END AS other_side,
                       -- the entry's amount here is not its layers' value
                       CASE WHEN p.mapped_here AND p.has_items AND p.included
                            THEN p.posted - p.value ELSE 0 END AS differs,
                       -- some layers of the entry counted, others not
                       CASE WHEN p.mapped_here AND p.has_items AND p.included
                            THEN p.value - p.included_value ELSE 0 END AS residual,
                       CASE WHEN p.has_items THEN p.item_ids
                            ELSE ARRAY(
                                SELECT x.id FROM account_move_line x
                                 WHERE x.move_id = p.move_id
                                   AND x.account_id = ANY(%(accounts)s)
                                 ORDER BY x.id)
                            END AS item_ids
                  FROM pairs p
            ),
            explained AS (
                SELECT account_id,
                       SUM(moved) AS moved, SUM(other_side) AS other_side,
                       SUM(differs) AS differs, SUM(residual) AS residual
                  FROM parts
                 GROUP BY account_id
            ),
            explained_items AS (
                SELECT p.account_id,
                       array_agg(DISTINCT x) FILTER (WHERE p.moved <> 0)
                           AS moved_ids,
                       array_agg(DISTINCT x) FILTER (WHERE p.other_side <> 0)
                           AS other_side_ids,
                       array_agg(DISTINCT x) FILTER (WHERE p.differs <> 0)
                           AS differs_ids,
                       array_agg(DISTINCT x) FILTER (WHERE p.residual <> 0)
                           AS unexplained_ids
                  FROM parts p
                 CROSS JOIN LATERAL unnest(p.item_ids) AS x
                 WHERE p.moved <> 0 OR p.other_side <> 0 OR p.differs <> 0
                    OR p.residual <> 0
                 GROUP BY p.account_id
            )
            SELECT a.id,
                   COALESCE(g.ledger, 0), COALESCE(g.unlinked, 0), g.unlinked_ids,
                   COALESCE(g.transfers, 0), g.transfer_ids,
                   COALESCE(g.draft, 0), g.draft_ids,
                   COALESCE(e.moved, 0), COALESCE(e.other_side, 0),
                   COALESCE(e.differs, 0), COALESCE(e.residual, 0),
                   x.moved_ids, x.other_side_ids, x.differs_ids, x.unexplained_ids
              FROM unnest(%(accounts)s::int[]) AS a(id)
              LEFT JOIN ledger g ON g.account_id = a.id
              LEFT JOIN explained e ON e.account_id = a.id
              LEFT JOIN explained_items x ON x.account_id = a.id
            """,
            mapping=Template._stock_valuation_accounts_query(),
            dated_join=dated_join,
            dated=dated,
            company=options["company"].id,
            date=options["local_date"],
            accounts=stock_accounts.ids,
        )

    @api.model
    def _get_reconciliation(self, options, accounts):
        """Per stock valuation account (see ``_stock_accounts``): the ledger
        balance of its posted journal items up to the as-of day (in the user's
        time zone), the value of the products posting there now (``accounts``,
        as ``_get_valuation`` returns them) and the difference, in parts
        (``buckets``), each computed from the records behind it:

        - ``unlinked``: posted items of entries without a stock valuation layer
          (manual entries, other modules);
        - ``no_entry``: layers without a journal entry (periodic valuation,
          failed postings), with a minus sign;
        - ``other_side``: items of layers' entries dated on the other side of the
          as-of date than their layers (accounting date not the layer's date);
        - ``differs``: the amount that a layer's entry holds on the account
          differs from its layer's value (an entry edited, or not posted);
        - ``moved``: value posted while the products mapped to another account,
          and the transfers that moved it since;
        - ``unexplained``: what none of the parts explains (layers of one entry
          dated on both sides of the as-of date);

        and ``draft``: items of draft entries, shown, not counted. Each part
        lists the journal items (``<part>_ids``) behind it; the layers without
        entry open through ``_bucket_domain``."""
        stock_accounts = self._stock_accounts(options, accounts)
        if not stock_accounts:
            return []
        rows = self.env.execute_query(
            self._reconciliation_query(options, stock_accounts)
        )
        currency = options["company"].currency_id
        reconciliation = []
        by_account = {row[0]: row[1:] for row in rows}
        for account in stock_accounts.sorted("code"):
            (
                ledger,
                unlinked,
                unlinked_ids,
                transfers,
                transfer_ids,
                draft,
                draft_ids,
                moved,
                other_side,
                differs,
                residual,
                moved_ids,
                other_side_ids,
                differs_ids,
                unexplained_ids,
            ) = by_account[account.id]
            value, without_entry = accounts.get(account.id, (0.0, 0.0))
            difference = currency.round(ledger - value)
            buckets = {
                "unlinked": currency.round(unlinked),
                "no_entry": currency.round(-without_entry),
                "other_side": currency.round(other_side),
                "differs": currency.round(differs),
                "moved": currency.round(transfers + moved),
            }
            # what no part explains, shown as such with the items behind it
            buckets[UNEXPLAINED] = currency.round(difference - sum(buckets.values()))
            draft = currency.round(draft)
            reconciliation.append(
                {
                    "account": account,
                    "account_name": account.display_name,
                    "ledger_balance": currency.round(ledger),
                    "report_value": currency.round(value),
                    "difference": difference,
                    "buckets": buckets,
                    "draft": draft,
                    # every column of the reconciliation, in BUCKETS' order
                    "parts": dict(buckets, **{DRAFT: draft}),
                    "unlinked_ids": unlinked_ids or [],
                    "other_side_ids": other_side_ids or [],
                    "differs_ids": differs_ids or [],
                    "moved_ids": sorted((transfer_ids or []) + (moved_ids or [])),
                    "unexplained_ids": unexplained_ids or [],
                    "unexplained_entries": currency.round(residual),
                    "draft_ids": draft_ids or [],
                    "transfers": currency.round(transfers),
                    "with_entry": currency.round(value - without_entry),
                }
            )
        return reconciliation

    def _bucket_domains(self, options):
        """{stock valuation account id: (domain of the layers without journal
        entry counted in its value, domain of every layer counted in it)}, from
        one query: the drill-down of ``no_entry``, and of ``unexplained`` when no
        entry is behind it."""
        product_ids = defaultdict(list)
        Template = self.env["product.template"].sudo().with_company(options["company"])
        for product_id, account_id in self.env.execute_query(
            SQL(
                """
                SELECT m.product_id, m.account_id FROM (%(mapping)s) m
                 WHERE EXISTS (SELECT 1 FROM stock_valuation_layer svl
                                WHERE svl.product_id = m.product_id
                                  AND svl.company_id = %(company)s)
                """,
                mapping=Template._stock_valuation_accounts_query(),
                company=options["company"].id,
            )
        ):
            product_ids[account_id].append(product_id)
        domains = {}
        for account_id, ids in product_ids.items():
            layers = [
                ("company_id", "=", options["company"].id),
                ("product_id", "in", ids),
            ]
            domains[account_id] = (
                [
                    *layers,
                    ("account_move_id", "=", False),
                    *self._dated_domain(options),
                ],
                layers,
            )
        return domains
