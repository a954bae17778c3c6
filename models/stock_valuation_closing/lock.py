# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The lock of a closed inventory period: what the ORM refuses (entries on stock
valuation accounts dated in it, changes of its layers), the days that a closing
and the changes of its period hold at the same moment, and the watermark that
sees what goes around it (triggers on the layers and the journal items)."""

from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, format_list

PREFIX = "product_category_valuation_closing_"
# one row per company and day, written by a closing for the days of its period
# and by every change of the valuation dated on a day that a closing may be
# computing (``_hold_days``, ``_days_to_hold``)
DAYS = f"{PREFIX}day"
# Days before this one are held as this one (``_hold_dates``), and a first
# closing, whose period has no start, holds every day from it: a change dated
# before anything the closing could see (an opening balance posted at go-live,
# at the moment of the first closing) still meets it.
HISTORY_FLOOR = date(2000, 1, 1)
# The closings' watermark (``init``), dropped when the addon is uninstalled: per
# watched table, the functions that flag closings as stale, their three
# triggers, and the columns whose change matters.
WATERMARKS = (
    {
        "table": "stock_valuation_layer",
        # layers created before a done closing's cut-off
        "statement_function": f"{PREFIX}stale",
        "statement_body": """
            UPDATE stock_valuation_closing c SET stale = TRUE
             WHERE c.state = 'done' AND c.stale IS NOT TRUE
               AND EXISTS (
                   SELECT 1 FROM changed r
                    WHERE r.company_id = c.company_id
                      AND r.create_date < c.cutoff);
        """,
        "row_function": f"{PREFIX}stale_row",
        "row_body": """
            UPDATE stock_valuation_closing c SET stale = TRUE
             WHERE c.state = 'done' AND c.stale IS NOT TRUE
               AND c.company_id IN (OLD.company_id, NEW.company_id)
               AND LEAST(OLD.create_date, NEW.create_date) < c.cutoff;
        """,
        "triggers": (f"{PREFIX}insert", f"{PREFIX}delete", f"{PREFIX}update"),
        "columns": (
            "value",
            "quantity",
            "product_id",
            "company_id",
            "create_date",
            "account_move_id",
        ),
    },
    {
        "table": "account_move_line",
        # posted items dated in a done closing's period on an account it froze
        # (a draft is no change of the ledger: it is saved, edited, refused
        # when posted, deleted in a day's work, and read live by the report)
        "statement_function": f"{PREFIX}stale_items",
        "statement_body": """
            UPDATE stock_valuation_closing c SET stale = TRUE
             WHERE c.state = 'done' AND c.stale IS NOT TRUE
               AND EXISTS (
                   SELECT 1 FROM changed r
                     JOIN stock_valuation_closing_account a
                       ON a.closing_id = c.id AND a.account_id = r.account_id
                    WHERE r.company_id = c.company_id AND r.date <= c.date
                      AND r.parent_state = 'posted');
        """,
        "row_function": f"{PREFIX}stale_item",
        "row_body": """
            UPDATE stock_valuation_closing c SET stale = TRUE
             WHERE c.state = 'done' AND c.stale IS NOT TRUE
               AND 'posted' IN (OLD.parent_state, NEW.parent_state)
               AND c.company_id IN (OLD.company_id, NEW.company_id)
               AND LEAST(OLD.date, NEW.date) <= c.date
               AND EXISTS (
                   SELECT 1 FROM stock_valuation_closing_account a
                    WHERE a.closing_id = c.id
                      AND a.account_id IN (OLD.account_id, NEW.account_id));
        """,
        "triggers": (
            f"{PREFIX}items_insert",
            f"{PREFIX}items_delete",
            f"{PREFIX}items_update",
        ),
        "columns": (
            "balance",
            "account_id",
            "date",
            "parent_state",
            "move_id",
            "company_id",
        ),
    },
)


class StockValuationClosing(models.Model):
    _inherit = "stock.valuation.closing"

    def init(self):
        """The watermark of the closed periods: triggers that flag a done
        closing as stale when layers of its period, or journal items dated in
        it on the accounts whose ledger it froze, are inserted, changed or
        deleted by any means (the ORM refuses it; SQL does not ask): per
        statement for inserts and deletes (the rows in a transition table
        ``changed``), per row for the updates that change a watched column.
        Their cost grows with the changes, not with the history. And the table
        of the held days (``_hold_days``)."""
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %(days)s (
                    company_id integer NOT NULL
                        REFERENCES res_company (id) ON DELETE CASCADE,
                    day date NOT NULL,
                    held_at timestamp NOT NULL,
                    PRIMARY KEY (company_id, day))
                """,
                days=SQL.identifier(DAYS),
            )
        )
        for watermark in WATERMARKS:
            insert, delete, update = map(SQL.identifier, watermark["triggers"])
            self.env.cr.execute(
                SQL(
                    """
                    CREATE OR REPLACE FUNCTION %(statement_function)s()
                    RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN %(statement_body)s RETURN NULL; END $$;
                    CREATE OR REPLACE FUNCTION %(row_function)s()
                    RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN %(row_body)s RETURN NULL; END $$;
                    %(drop)s
                    CREATE TRIGGER %(insert)s AFTER INSERT ON %(table)s
                        REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION %(statement_function)s();
                    CREATE TRIGGER %(delete)s AFTER DELETE ON %(table)s
                        REFERENCING OLD TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION %(statement_function)s();
                    CREATE TRIGGER %(update)s AFTER UPDATE ON %(table)s
                        FOR EACH ROW WHEN (%(changed)s)
                        EXECUTE FUNCTION %(row_function)s();
                    """,
                    statement_function=SQL.identifier(watermark["statement_function"]),
                    statement_body=SQL(watermark["statement_body"]),
                    row_function=SQL.identifier(watermark["row_function"]),
                    row_body=SQL(watermark["row_body"]),
                    drop=self._drop_triggers(watermark),
                    insert=insert,
                    delete=delete,
                    update=update,
                    table=SQL.identifier(watermark["table"]),
                    changed=SQL(" OR ").join(
                        SQL(
                            "OLD.%(column)s IS DISTINCT FROM NEW.%(column)s",
                            column=SQL.identifier(column),
                        )
                        for column in watermark["columns"]
                    ),
                )
            )

    @staticmethod
    def _drop_triggers(watermark):
        """SQL dropping the triggers of ``watermark`` (``WATERMARKS``)."""
        return SQL("\n").join(
            SQL(
                "DROP TRIGGER IF EXISTS %s ON %s;",
                SQL.identifier(name),
                SQL.identifier(watermark["table"]),
            )
            for name in watermark["triggers"]
        )

    def _drop_watermark(self):
        """Drop the triggers, functions and table of ``init``
        (``uninstall_hook``)."""
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(DAYS)))
        for watermark in WATERMARKS:
            self.env.cr.execute(
                SQL(
                    "%s DROP FUNCTION IF EXISTS %s(); DROP FUNCTION IF EXISTS %s();",
                    self._drop_triggers(watermark),
                    SQL.identifier(watermark["statement_function"]),
                    SQL.identifier(watermark["row_function"]),
                )
            )

    # ------------------------------------------------------------------
    # The days held at the same moment
    # ------------------------------------------------------------------
    @api.model
    def _hold_days(self, company, days):
        """Write the rows of ``company``'s ``days`` (SQL of one ``day`` column).

        A closing and a change of the valuation dated in its period, made at
        the same moment, read the database as it was when each started: neither
        sees the other, and both would commit (the closing without the change,
        or the change behind the closing's lock). Both write the rows of the
        days concerned (the closing every day of its period, the change its
        own): the second to write waits for the first and, if the first
        commits, fails to serialize; Odoo then retries it, and it sees the
        first (the change is refused, or the closing includes it)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (company_id, day, held_at)
                SELECT %(company)s, d.day, NOW() AT TIME ZONE 'UTC'
                  FROM (%(days)s) d (day)
                 ORDER BY d.day
                    ON CONFLICT (company_id, day)
                    DO UPDATE SET held_at = EXCLUDED.held_at
                """,
                table=SQL.identifier(DAYS),
                company=company.id,
                days=days,
            )
        )

    @api.model
    def _days_to_hold(self, company, days):
        """Those of ``days`` (dates) that a closing of ``company`` may be
        computing at this moment, sorted: the days before today, and today
        where a closing of today is open (in draft, or reopened). Otherwise
        today's changes, the most frequent, never wait for each other."""
        # to_date: some of Odoo's own tests patch context_today with a string
        today = fields.Date.to_date(fields.Date.context_today(self))
        days = {day for day in days if day and day <= today}
        if today in days and not self.sudo().search_count(
            [
                ("company_id", "=", company.id),
                ("state", "!=", "done"),
                ("date", ">=", today),
            ],
            limit=1,
        ):
            days.discard(today)
        return sorted(days)

    @api.model
    def _hold_dates(self, company, dates):
        """Hold ``dates``, a list of days of ``company`` (those before
        ``HISTORY_FLOOR`` as it)."""
        if dates:
            self._hold_days(
                company,
                SQL(
                    "SELECT unnest(%s::date[])",
                    sorted({max(day, HISTORY_FLOOR) for day in dates}),
                ),
            )

    @api.model
    def _hold_days_of(self, company, days):
        """Hold those of ``days`` (dates) of ``company`` that a closing may be
        computing (``_days_to_hold``)."""
        self._hold_dates(company, self._days_to_hold(company, days))

    def _hold_period(self):
        """Hold every day of the period the closing closes (with a day more on
        each side, for the time zones): from the previous closing, or, for a
        first closing, from ``HISTORY_FLOOR``."""
        self.ensure_one()
        first = (
            self.previous_id.date - timedelta(days=1)
            if self.previous_id
            else HISTORY_FLOOR
        )
        self._hold_days(
            self.company_id,
            SQL(
                "SELECT generate_series(%s::date, %s::date, '1 day')::date",
                max(first, HISTORY_FLOOR),
                max(self.date + timedelta(days=1), HISTORY_FLOOR),
            ),
        )

    # ------------------------------------------------------------------
    # The lock of the closed period
    # ------------------------------------------------------------------
    def _locked_accounts(self):
        """The stock valuation accounts whose balance the closing froze, and
        those of the company (``res.company._stock_valuation_accounts``)."""
        self.ensure_one()
        return (
            self.sudo().account_ids.account_id
            | self.company_id._stock_valuation_accounts()
        )

    def _check_entry_outside(self, move):
        """Refuse to change ``move`` (dated in the closed period) where it
        touches a stock valuation account."""
        touched = move.sudo().line_ids.account_id & self._locked_accounts()
        if touched:
            raise UserError(
                self.env._(
                    "%(entry)s is dated %(date)s, in the inventory period that "
                    "%(closing)s closed up to %(closing_date)s, and it posts to "
                    "%(accounts)s, whose balance that closing froze. Date it after "
                    "%(closing_date)s, or reopen %(closing)s first.",
                    entry=move.display_name,
                    date=format_date(self.env, move.date),
                    closing=self.display_name,
                    closing_date=format_date(self.env, self.date),
                    accounts=format_list(self.env, touched.mapped("display_name")),
                )
            )

    def _check_layers_outside(self, layers):
        """Refuse to change ``layers`` created in the closed period."""
        inside = layers.filtered(lambda layer: layer.create_date < self.cutoff)
        if inside:
            raise UserError(
                self.env._(
                    "The valuation of %(products)s up to %(closing_date)s is frozen "
                    "by the inventory closing %(closing)s: its layers of that "
                    "period cannot be changed or deleted. Value the change at a "
                    "later date (a revaluation), or reopen %(closing)s first.",
                    products=format_list(
                        self.env, inside.product_id.mapped("display_name")
                    ),
                    closing=self.display_name,
                    closing_date=format_date(self.env, self.date),
                )
            )
