# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The lock of a closed inventory period: what the ORM refuses (entries on stock
valuation accounts dated in it, changes of its layers), and the watermark that
sees what goes around it (triggers on the layers and the journal items)."""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, format_list

from .stock_valuation_closing import ENGINE

PREFIX = "product_category_valuation_closing_"
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
        # items dated in a done closing's period on an account it froze
        "statement_function": f"{PREFIX}stale_items",
        "statement_body": """
            UPDATE stock_valuation_closing c SET stale = TRUE
             WHERE c.state = 'done' AND c.stale IS NOT TRUE
               AND EXISTS (
                   SELECT 1 FROM changed r
                     JOIN stock_valuation_closing_account a
                       ON a.closing_id = c.id AND a.account_id = r.account_id
                    WHERE r.company_id = c.company_id AND r.date <= c.date);
        """,
        "row_function": f"{PREFIX}stale_item",
        "row_body": """
            UPDATE stock_valuation_closing c SET stale = TRUE
             WHERE c.state = 'done' AND c.stale IS NOT TRUE
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
        Their cost grows with the changes, not with the history."""
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
        """Drop the triggers and functions of ``init`` (``uninstall_hook``)."""
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
    # The lock of the closed period
    # ------------------------------------------------------------------
    def _locked_accounts(self):
        """The stock valuation accounts whose balance the closing froze, and
        those the company has now (``_stock_accounts``)."""
        self.ensure_one()
        engine = self.env[ENGINE].sudo()
        return self.sudo().account_ids.account_id | engine._stock_accounts(
            {"company": self.company_id}, {}
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
