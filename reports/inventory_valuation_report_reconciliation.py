# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reconciliation of the inventory valuation with the general ledger: per
stock valuation account, the ledger balance, the inventory value, and their
difference explained part by part, each part computed from the journal items
or the layers behind it."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

# Of the parts of a difference (``_bucket_titles``), the one that holds whatever
# the others do not explain, and the draft entries, shown beside them, not counted.
UNEXPLAINED = "unexplained"
DRAFT = "draft"
# The parts of the ledger itself, as an ordered classification of its items up
# to the as-of day of posted or draft entries (``LEDGER_SCOPE`` on the columns
# of ``_ledger_items``): the first condition an item meets gives
# its part. Items of entries with layers (``linked``) are compared with their
# layers; the others are parts of the difference on their own: the draft items,
# the items of account transfers, the rest (without layer).
LEDGER_SCOPE = "dated AND (posted OR draft)"
LEDGER_CASES = (
    (DRAFT, "draft"),
    ("linked", "linked"),
    ("transfers", "transfer"),
    ("unlinked", "TRUE"),
)


def _ledger_conditions():
    """{part: condition} of ``LEDGER_CASES`` as exclusive conditions on the
    items (each one's own condition, none of the earlier ones'), for the
    filtered aggregates of the detailed reconciliation."""
    conditions, earlier = {}, []
    for part, condition in LEDGER_CASES:
        conditions[part] = " AND ".join([LEDGER_SCOPE, *earlier, condition])
        earlier.append(f"NOT {condition}")
    return conditions


LEDGER_CONDITIONS = _ledger_conditions()
# the columns of ``_ledger_items`` that the conditions of ``LEDGER_CASES`` read
LEDGER_FLAGS = tuple(
    condition for _part, condition in LEDGER_CASES if condition != "TRUE"
)


def ledger_part(flags):
    """The part of ``LEDGER_CASES`` of an item whose ``LEDGER_FLAGS`` are
    ``flags`` (in that order)."""
    values = dict(zip(LEDGER_FLAGS, flags, strict=True), TRUE=True)
    return next(part for part, condition in LEDGER_CASES if values[condition])


def added_sums(sums, more):
    """Two (sum, count, least id, greatest id) of one part added up."""
    if not more:
        return tuple(sums)
    amount, count, least, greatest = sums
    return (
        amount + more[0],
        count + more[1],
        min(least, more[2]),
        max(greatest, more[3]),
    )


# the parts of the ledger that the reconciliation lists the items of, in the
# order of its rows (``_reconciliation_query``)
LEDGER_PARTS = ("unlinked", "transfers", DRAFT)
# Up to this many journal items since a closing, their layers are looked up one
# by one in the layers' index (a few microseconds each); beyond, one pass over
# the entries of every layer costs less (about 100 ms for a million layers,
# ``bench/valuation_bench.py``).
LOOK_UP_ITEMS = 40000


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

    @api.model
    def _bucket_titles(self):
        """(key, title) of the parts of a difference, each computed from its own
        journal items or layers, in the order they are shown, then of the draft
        entries: the one place that names them."""
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
        """The company's stock valuation accounts, present and past
        (``res.company._stock_valuation_accounts``), and those its products post
        to now (``accounts``)."""
        company = options["company"]
        Account = self.env["account.account"].sudo().with_company(company)
        posted_to = Account.browse(set(accounts) - {None}).filtered(
            lambda account: company in account.company_ids
        )
        return company._stock_valuation_accounts() | posted_to

    def _transfer_condition(self, options):
        """SQL condition: the journal item ``aml`` belongs to an account transfer
        of the company (``account.move.stock_valuation_transfer``). Transfers are
        few: their entries are read first, and every item is tested against
        them as a constant (FALSE without any) instead of a join with the
        entries for each of the ledger's items."""
        transfers = self.env.execute_query(
            SQL(
                "SELECT id FROM account_move"
                " WHERE stock_valuation_transfer AND company_id = %s",
                options["company"].id,
            )
        )
        if not transfers:
            return SQL("FALSE")
        return SQL(
            "aml.move_id = ANY(%s::int[])",
            "{%s}" % ",".join(str(move_id) for (move_id,) in transfers),
        )

    def _ledger_items(self, options, where, linked_by_join=True):
        """SQL of the company's journal items matching ``where`` (on ``aml``),
        with the columns the ledger sums read: ``id``, ``account_id``,
        ``balance``, ``posted``, ``draft``, ``dated`` (up to the as-of day),
        ``transfer`` (of an account transfer) and ``linked`` (of an entry with
        layers): by a join with every entry of layers, or, for the items of a
        period or a few items, a look-up each.

        An entry and its layers belong to one company (Odoo posts a layer's
        entry in the layer's company), and the items are the company's: the
        entries of layers are read from the index of the layers' entries alone,
        without the layers' company, which would read every layer's row too."""
        company = options["company"].id
        if linked_by_join:
            linked_join = SQL(
                """
                LEFT JOIN (
                    SELECT DISTINCT svl.account_move_id AS move_id
                      FROM stock_valuation_layer svl
                     WHERE svl.account_move_id IS NOT NULL
                ) k ON k.move_id = aml.move_id
                """
            )
            linked = SQL("k.move_id IS NOT NULL")
        else:
            linked_join = SQL("")
            linked = SQL(
                "EXISTS (SELECT 1 FROM stock_valuation_layer s"
                " WHERE s.account_move_id = aml.move_id)"
            )
        return SQL(
            """
            SELECT aml.id, aml.account_id, aml.balance,
                   aml.parent_state = 'posted' AS posted,
                   aml.parent_state = 'draft' AS draft,
                   aml.date <= %(date)s AS dated,
                   %(transfer)s AS transfer,
                   %(linked)s AS linked
              FROM account_move_line aml
              %(linked_join)s
             WHERE aml.company_id = %(company)s AND %(where)s
            """,
            date=options["local_date"],
            transfer=self._transfer_condition(options),
            linked=linked,
            linked_join=linked_join,
            company=company,
            where=where,
        )

    def _ledger_sums(self):
        """The sums and ids of the parts of ``LEDGER_PARTS`` among ledger items
        (see ``_ledger_items``), per stock account: the aggregates of the
        detailed reconciliation."""
        columns = []
        for part in LEDGER_PARTS:
            condition = LEDGER_CONDITIONS[part]
            columns += [
                SQL(
                    "SUM(balance) FILTER (WHERE %s) AS %s",
                    SQL(condition),
                    SQL.identifier(part),
                ),
                SQL(
                    "array_agg(id) FILTER (WHERE %s) AS %s",
                    SQL(condition),
                    SQL.identifier(f"{part}_ids"),
                ),
            ]
        return SQL(", ").join(columns)

    def _ledger_query(self, options, stock_accounts, after=None, look_up=False):
        """Per stock account and flags of its items up to the as-of day
        (``LEDGER_FLAGS``, which give the item's part: ``ledger_part``): the
        sum, the count and the least and greatest id; only of the items dated
        after the day ``after`` if given, and of the drafts of any date (the
        drafts of a closed period are read live, never frozen), whose layers
        are looked up one by one when ``look_up`` (few items). When the sum of
        ``linked`` is the value of the layers with an entry that the products
        posting there hold, entries and layers agree, as a whole, on that
        account. One scan of the items, grouped by their flags rather than by a
        ``CASE`` of them: PostgreSQL then expects a handful of groups, not one
        per item, and sums them in a hash instead of sorting every item (1.07
        instead of 1.18 times the bare sum of the ledger at ``--scale``,
        ``bench/valuation_bench.py``)."""
        where = SQL("aml.account_id = ANY(%s)", stock_accounts.ids)
        if after:
            # the drafts through the index of draft items (``DRAFT_INDEX``)
            where = SQL(
                "%s AND (aml.date > %s OR aml.parent_state = 'draft')", where, after
            )
        flags = SQL(", ").join(SQL.identifier(flag) for flag in LEDGER_FLAGS)
        return SQL(
            """
            SELECT account_id, %(flags)s, SUM(balance), COUNT(*), MIN(id), MAX(id)
              FROM (%(items)s) items
             WHERE %(scope)s
             GROUP BY account_id, %(flags)s
            """,
            flags=flags,
            scope=SQL(LEDGER_SCOPE),
            items=self._ledger_items(options, where, linked_by_join=not look_up),
        )

    def _ledger_ids(self, options, account, part, count, least, greatest):
        """The ids of the ``count`` items of ``account`` in the ledger part
        ``part``, whose ids lie from ``least`` to ``greatest``."""
        if count <= 2:
            return sorted({least, greatest} - {None})
        return [
            item_id
            for (item_id,) in self.env.execute_query(
                SQL(
                    "SELECT id FROM (%(items)s) items WHERE %(part)s ORDER BY id",
                    items=self._ledger_items(
                        options,
                        SQL(
                            "aml.account_id = %s AND aml.id BETWEEN %s AND %s",
                            account.id,
                            least,
                            greatest,
                        ),
                        linked_by_join=False,
                    ),
                    part=SQL(LEDGER_CONDITIONS[part]),
                )
            )
        ]

    def _reconciliation_query(self, options, stock_accounts):
        """Per stock account: its posted journal items up to the as-of day, and
        each part of its difference with the items behind it (see
        ``_get_reconciliation``). The entries of layers are compared with their
        layers entry by entry and account by account (a *pair*): each journal
        item learns how its pair stands through one join, each pair whether it
        has items through another, and the parts are their sums; only the
        entries whose amount differs from their layers are grouped. The
        statement is made of named parts, each a method below, which share
        ``params``."""
        Template = self.env["product.template"].sudo().with_company(options["company"])
        params = {
            "company": options["company"].id,
            "accounts": stock_accounts.ids,
            # amounts are summed in float8 (exact to the cent at any size the
            # ledger holds); half a cent is the least that differs
            "cent": options["company"].currency_id.rounding / 2,
        }
        return SQL(
            "WITH mapping AS MATERIALIZED (%s), %s, %s, %s, %s %s",
            Template._stock_valuation_accounts_query(),
            self._reconciliation_pairs(options, params),
            self._reconciliation_items(options, params),
            self._reconciliation_sums(params),
            self._reconciliation_parts(params),
            self._reconciliation_rows_select(params),
        )

    def _reconciliation_pairs(self, options, params):
        """``pairs``: the layers of each journal entry by the account their
        products post to now; ``pair_totals``: their sums per account."""
        dated_join, dated = self._layer_dated(options)
        return SQL(
            """
            pairs AS MATERIALIZED (
                -- the layers of each journal entry by the account their products
                -- post to now: their value, and how much of it counts at the date
                SELECT %(entry)s AS move_id, m.account_id,
                       SUM(svl.value::float8) AS value,
                       SUM(svl.value::float8) FILTER (WHERE %(dated)s)
                           AS included_value
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                  JOIN mapping m ON m.product_id = svl.product_id
                 WHERE svl.company_id = %(company)s
                   AND %(entry)s IS NOT NULL
                 GROUP BY 1, m.account_id
            ),
            pair_totals AS (
                SELECT account_id,
                       SUM(value) FILTER (WHERE included_value IS NOT NULL)
                           AS included_layers,
                       SUM(value - included_value) AS residual
                  FROM pairs
                 WHERE account_id = ANY(%(accounts)s)
                 GROUP BY account_id
            )
            """,
            dated_join=dated_join,
            dated=dated,
            entry=self._layer_entry(options),
            **params,
        )

    def _reconciliation_items(self, options, params):
        """``items``: the journal items of the stock accounts beside the pair
        of their entry and account, and the pairs without item."""
        return SQL(
            """
            items AS MATERIALIZED (
                -- the journal items of the stock accounts beside the pairs of
                -- their entry and account; a pair without item stands alone
                SELECT aml.id, COALESCE(aml.move_id, p.move_id) AS move_id,
                       COALESCE(aml.account_id, p.account_id) AS account_id,
                       aml.balance::float8 AS balance,
                       aml.parent_state = 'posted' AS posted,
                       aml.parent_state = 'draft' AS draft,
                       aml.date <= %(date)s AS dated,
                       %(transfer)s AS transfer,
                       -- the few items without a pair here: a look-up each
                       CASE WHEN p.move_id IS NOT NULL THEN TRUE
                            ELSE (
                                SELECT TRUE FROM stock_valuation_layer s
                                 WHERE s.account_move_id = aml.move_id
                                   AND s.company_id = %(company)s
                                 LIMIT 1
                            ) IS NOT NULL
                       END AS linked,
                       p.move_id IS NOT NULL AS mapped_here,
                       p.included_value IS NOT NULL AS included,
                       p.value, COALESCE(p.included_value, 0) AS included_value
                  FROM (
                      SELECT * FROM account_move_line
                       WHERE account_id = ANY(%(accounts)s)
                         AND company_id = %(company)s
                  ) aml
                  FULL JOIN (
                      SELECT * FROM pairs WHERE account_id = ANY(%(accounts)s)
                  ) p ON p.move_id = aml.move_id AND p.account_id = aml.account_id
            )
            """,
            transfer=self._transfer_condition(options),
            date=options["local_date"],
            **params,
        )

    def _reconciliation_sums(self, params):
        """``sums``: per account, the ledger and the parts of the difference
        that the items make, with the items behind each."""
        return SQL(
            """
            sums AS (
                SELECT account_id,
                       SUM(balance) FILTER (WHERE posted AND dated) AS ledger,
                       %(ledger_sums)s,
                       -- posted here for products that post elsewhere
                       SUM(balance) FILTER (
                           WHERE posted AND dated AND linked AND NOT mapped_here
                       ) AS moved_in,
                       array_agg(id) FILTER (
                           WHERE posted AND dated AND linked AND NOT mapped_here
                       ) AS moved_in_ids,
                       -- value of products posting here, posted elsewhere
                       SUM(-included_value) FILTER (WHERE id IS NULL) AS moved_out,
                       array_agg(move_id) FILTER (
                           WHERE id IS NULL AND ABS(included_value) >= %(cent)s
                       ) AS moved_out_moves,
                       -- an entry and its layers on either side of the date
                       SUM(CASE WHEN dated THEN balance ELSE 0 END
                           - CASE WHEN included THEN balance ELSE 0 END)
                           FILTER (WHERE posted AND mapped_here) AS other_side,
                       array_agg(id) FILTER (
                           WHERE posted AND mapped_here AND dated <> included
                       ) AS other_side_ids,
                       -- what the counted entries hold here, against their layers
                       SUM(balance) FILTER (WHERE posted AND mapped_here AND included)
                           AS included_items,
                       SUM(value) FILTER (WHERE id IS NULL AND included)
                           AS included_layers_alone,
                       SUM(value - included_value) FILTER (
                           WHERE id IS NULL AND included
                       ) AS residual_alone
                  FROM items
                 GROUP BY account_id
            )
            """,
            ledger_sums=self._ledger_sums(),
            **params,
        )

    def _reconciliation_parts(self, params):
        """``parts``: every stock account with its sums; ``differing``: the
        entries whose amount on an account differs from their layers', looked
        for only where the sums show some."""
        return SQL(
            """
            parts AS MATERIALIZED (
                SELECT a.id AS stock_account_id, s.*,
                       COALESCE(s.included_items, 0)
                       - COALESCE(t.included_layers, 0)
                       + COALESCE(s.included_layers_alone, 0) AS differs,
                       COALESCE(t.residual, 0) - COALESCE(s.residual_alone, 0)
                           AS entry_residual
                  FROM unnest(%(accounts)s::int[]) AS a(id)
                  LEFT JOIN sums s ON s.account_id = a.id
                  LEFT JOIN pair_totals t ON t.account_id = a.id
            ),
            differing AS MATERIALIZED (
                -- the entries whose amount on an account differs from their
                -- layers', or whose layers stand on both sides of the date: looked
                -- for only on the accounts where the sums show them
                SELECT i.account_id, i.move_id,
                       ABS(COALESCE(SUM(i.balance) FILTER (WHERE i.posted), 0)
                           - i.value) >= %(cent)s AS differs,
                       ABS(i.value - i.included_value) >= %(cent)s AS split
                  FROM items i
                 WHERE i.mapped_here AND i.included AND i.id IS NOT NULL
                   AND i.account_id IN (
                       SELECT stock_account_id FROM parts
                        WHERE ABS(differs) >= %(cent)s
                           OR ABS(entry_residual) >= %(cent)s
                   )
                 GROUP BY i.account_id, i.move_id, i.value, i.included_value
            )
            """,
            **params,
        )

    def _reconciliation_rows_select(self, params):
        """The rows of the statement: per account, its ledger and its parts, and
        the journal items behind them (``_reconciliation_rows`` reads them)."""
        return SQL(
            """
            SELECT p.stock_account_id,
                   COALESCE(p.ledger, 0), COALESCE(p.unlinked, 0), p.unlinked_ids,
                   COALESCE(p.transfers, 0), p.transfers_ids,
                   COALESCE(p.draft, 0), p.draft_ids,
                   COALESCE(p.moved_in, 0) + COALESCE(p.moved_out, 0),
                   COALESCE(p.other_side, 0), p.differs, p.entry_residual,
                   ARRAY(
                       SELECT unnest(p.moved_in_ids)
                       UNION
                       SELECT x.id FROM account_move_line x
                        WHERE x.move_id = ANY(p.moved_out_moves)
                          AND x.account_id = ANY(%(accounts)s)
                   ),
                   p.other_side_ids,
                   ARRAY(
                       SELECT x.id FROM account_move_line x
                         JOIN differing d ON d.move_id = x.move_id
                        WHERE d.account_id = p.stock_account_id AND d.differs
                          AND x.account_id = p.stock_account_id
                   ),
                   ARRAY(
                       SELECT x.id FROM account_move_line x
                         JOIN differing d ON d.move_id = x.move_id
                        WHERE d.account_id = p.stock_account_id AND d.split
                          AND x.account_id = p.stock_account_id
                   )
              FROM parts p
            """,
            **params,
        )

    def _ledger_domain(self, options, account):
        """The journal items of ``account``'s ledger balance: posted, of the
        company, dated up to the as-of day (``_ledger_items``)."""
        return [
            ("account_id", "=", account.id),
            ("company_id", "=", options["company"].id),
            ("parent_state", "=", "posted"),
            ("date", "<=", fields.Date.to_string(options["local_date"])),
        ]

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
        currency = options["company"].currency_id
        rows, ledger_parts = self._reconciliation_rows(
            options, stock_accounts, accounts
        )
        reconciliation = []
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
            ) = rows[account.id]
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
                    # every column of the reconciliation, in the titles' order
                    "parts": dict(buckets, **{DRAFT: draft}),
                    "unlinked_ids": sorted(unlinked_ids or []),
                    "other_side_ids": sorted(other_side_ids or []),
                    "differs_ids": sorted(differs_ids),
                    "moved_ids": sorted(set(transfer_ids or []) | set(moved_ids)),
                    "unexplained_ids": sorted(unexplained_ids),
                    "unexplained_entries": currency.round(residual),
                    "draft_ids": sorted(draft_ids or []),
                    "transfers": currency.round(transfers),
                    "with_entry": currency.round(value - without_entry),
                    # what a closing freezes of the ledger (``_ledger_parts``)
                    "ledger_parts": {
                        part: [currency.round(amount), count, least, greatest]
                        for part, (amount, count, least, greatest) in ledger_parts[
                            account.id
                        ].items()
                    },
                }
            )
        return reconciliation

    def _ledger_parts(self, options, stock_accounts):
        """{account id: {part: (sum, count, least id, greatest id)}} of the
        stock accounts' ledgers up to the as-of day (``_ledger_query``). Where
        the closing the figures start from (``options["closing"]``) froze an
        account's ledger (its period is locked), from its posted parts plus the
        items dated after its day and the drafts, read live: a draft dated in a
        closed period is a day's work, not a change of the frozen ledger."""
        start = options["closing"]
        frozen = {
            line.account_id.id: {
                part: sums for part, sums in line.ledger_parts.items() if part != DRAFT
            }
            for line in (start.account_ids if start else ())
            if isinstance(line.ledger_parts, dict) and line.account_id in stock_accounts
        }
        ledger = defaultdict(dict)
        for accounts, after in (
            (stock_accounts.filtered(lambda account: account.id not in frozen), None),
            (stock_accounts.browse(list(frozen)), start and start.date),
        ):
            if not accounts:
                continue
            # PostgreSQL's own work_mem: measured, a larger one makes this scan
            # slower, not faster
            for account_id, *row in self._execute(
                self._ledger_query(
                    options,
                    accounts,
                    after,
                    look_up=after and self._few_items(options, accounts, after),
                ),
                work_mem=None,
            ):
                part = ledger_part(row[: len(LEDGER_FLAGS)])
                ledger[account_id][part] = added_sums(
                    row[len(LEDGER_FLAGS) :], ledger[account_id].get(part)
                )
        for account_id, parts in frozen.items():
            for part, sums in parts.items():
                since = ledger[account_id].get(part)
                ledger[account_id][part] = added_sums(sums, since)
        return ledger

    def _few_items(self, options, accounts, after):
        """Whether the items of ``accounts`` dated after the day ``after`` up to
        the as-of day are few enough to look their layers up one by one
        (``LOOK_UP_ITEMS``), counted in the index by account and date."""
        count = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FROM (
                    SELECT 1 FROM account_move_line
                     WHERE account_id = ANY(%s) AND date > %s AND date <= %s
                     LIMIT %s
                ) items
                """,
                accounts.ids,
                after,
                options["local_date"],
                LOOK_UP_ITEMS + 1,
            )
        )[0][0]
        return count <= LOOK_UP_ITEMS

    def _reconciliation_rows(self, options, stock_accounts, accounts):
        """({account id: row of ``_reconciliation_query``}, the ledger parts of
        ``_ledger_parts``). The ledger of every
        stock account is summed first (``_ledger_query``, as cheap as the
        ledger itself); the entries of layers are compared with their layers
        entry by entry only on the accounts where, as a whole, they disagree:
        elsewhere the parts they explain are nothing."""
        ledger = self._ledger_parts(options, stock_accounts)
        half_cent = options["company"].currency_id.rounding / 2
        rows, differing = {}, stock_accounts.browse()
        for account in stock_accounts:
            parts = ledger[account.id]
            linked = parts.get("linked", (0.0,))[0]
            value, without_entry = accounts.get(account.id, (0.0, 0.0))
            if abs(linked - (value - without_entry)) >= half_cent:
                differing |= account
            # the ledger: every posted item up to the day, none of the drafts
            row = [sum(sums[0] for part, sums in parts.items() if part != DRAFT)]
            for part in LEDGER_PARTS:
                amount, count, least, greatest = parts.get(part, (0.0, 0, None, None))
                ids = (
                    self._ledger_ids(options, account, part, count, least, greatest)
                    if count
                    else []
                )
                row += [amount, ids]
            # the parts of the entries of layers are nothing here
            rows[account.id] = (*row, *(0.0,) * 4, *([],) * 4)
        if differing:
            # hash joins, not nested loops, between its large intermediate sets
            rows.update(
                (row[0], row[1:])
                for row in self._execute(
                    self._reconciliation_query(options, differing), nestloop=False
                )
            )
        return rows, ledger

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
                [*layers, *self._no_entry_domain(), *self._dated_domain(options)],
                layers,
            )
        return domains
