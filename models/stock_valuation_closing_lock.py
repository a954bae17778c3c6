# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The lock of a closed inventory period: what the ORM refuses (entries on stock
valuation accounts dated in it, changes of its layers), and the watermark that
sees what goes around it (triggers on the layers)."""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, format_list

from .stock_valuation_closing import ENGINE

# the triggers (on stock_valuation_layer and account_move_line) and functions
# of the closings' watermark (``init``), dropped when the addon is uninstalled
WATERMARK_OBJECTS = {
    "statement_function": "product_category_valuation_closing_stale",
    "row_function": "product_category_valuation_closing_stale_row",
    "insert": "product_category_valuation_closing_insert",
    "delete": "product_category_valuation_closing_delete",
    "update": "product_category_valuation_closing_update",
    "items_function": "product_category_valuation_closing_stale_items",
    "item_function": "product_category_valuation_closing_stale_item",
    "items_insert": "product_category_valuation_closing_items_insert",
    "items_delete": "product_category_valuation_closing_items_delete",
    "items_update": "product_category_valuation_closing_items_update",
}


class StockValuationClosing(models.Model):
    _inherit = "stock.valuation.closing"

    def init(self):
        """The watermark of the closed periods: triggers that flag a done
        closing as stale when layers of its period, or journal items dated in
        it on the accounts whose ledger it froze, are inserted, changed or
        deleted by any means (the ORM refuses it; SQL does not ask). Their cost
        grows with the changes, not with the history."""
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION %(statement_function)s()
                RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE stock_valuation_closing c SET stale = TRUE
                     WHERE c.state = 'done' AND c.stale IS NOT TRUE
                       AND EXISTS (
                           SELECT 1 FROM changed_layers r
                            WHERE r.company_id = c.company_id
                              AND r.create_date < c.cutoff);
                    RETURN NULL;
                END $$;
                CREATE OR REPLACE FUNCTION %(row_function)s()
                RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE stock_valuation_closing c SET stale = TRUE
                     WHERE c.state = 'done' AND c.stale IS NOT TRUE
                       AND c.company_id IN (OLD.company_id, NEW.company_id)
                       AND LEAST(OLD.create_date, NEW.create_date) < c.cutoff;
                    RETURN NULL;
                END $$;
                DROP TRIGGER IF EXISTS %(insert)s ON stock_valuation_layer;
                CREATE TRIGGER %(insert)s AFTER INSERT ON stock_valuation_layer
                    REFERENCING NEW TABLE AS changed_layers
                    FOR EACH STATEMENT EXECUTE FUNCTION %(statement_function)s();
                DROP TRIGGER IF EXISTS %(delete)s ON stock_valuation_layer;
                CREATE TRIGGER %(delete)s AFTER DELETE ON stock_valuation_layer
                    REFERENCING OLD TABLE AS changed_layers
                    FOR EACH STATEMENT EXECUTE FUNCTION %(statement_function)s();
                DROP TRIGGER IF EXISTS %(update)s ON stock_valuation_layer;
                CREATE TRIGGER %(update)s AFTER UPDATE ON stock_valuation_layer
                    FOR EACH ROW WHEN (
                        OLD.value IS DISTINCT FROM NEW.value
                        OR OLD.quantity IS DISTINCT FROM NEW.quantity
                        OR OLD.product_id IS DISTINCT FROM NEW.product_id
                        OR OLD.company_id IS DISTINCT FROM NEW.company_id
                        OR OLD.create_date IS DISTINCT FROM NEW.create_date
                        OR OLD.account_move_id IS DISTINCT FROM NEW.account_move_id)
                    EXECUTE FUNCTION %(row_function)s();
                CREATE OR REPLACE FUNCTION %(items_function)s()
                RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE stock_valuation_closing c SET stale = TRUE
                     WHERE c.state = 'done' AND c.stale IS NOT TRUE
                       AND EXISTS (
                           SELECT 1 FROM changed_items r
                             JOIN stock_valuation_closing_account a
                               ON a.closing_id = c.id
                              AND a.account_id = r.account_id
                            WHERE r.company_id = c.company_id
                              AND r.date <= c.date);
                    RETURN NULL;
                END $$;
                CREATE OR REPLACE FUNCTION %(item_function)s()
                RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE stock_valuation_closing c SET stale = TRUE
                     WHERE c.state = 'done' AND c.stale IS NOT TRUE
                       AND c.company_id IN (OLD.company_id, NEW.company_id)
                       AND LEAST(OLD.date, NEW.date) <= c.date
                       AND EXISTS (
                           SELECT 1 FROM stock_valuation_closing_account a
                            WHERE a.closing_id = c.id
                              AND a.account_id IN (OLD.account_id, NEW.account_id));
                    RETURN NULL;
                END $$;
                DROP TRIGGER IF EXISTS %(items_insert)s ON account_move_line;
                CREATE TRIGGER %(items_insert)s AFTER INSERT ON account_move_line
                    REFERENCING NEW TABLE AS changed_items
                    FOR EACH STATEMENT EXECUTE FUNCTION %(items_function)s();
                DROP TRIGGER IF EXISTS %(items_delete)s ON account_move_line;
                CREATE TRIGGER %(items_delete)s AFTER DELETE ON account_move_line
                    REFERENCING OLD TABLE AS changed_items
                    FOR EACH STATEMENT EXECUTE FUNCTION %(items_function)s();
                DROP TRIGGER IF EXISTS %(items_update)s ON account_move_line;
                CREATE TRIGGER %(items_update)s AFTER UPDATE ON account_move_line
                    FOR EACH ROW WHEN (
                        OLD.balance IS DISTINCT FROM NEW.balance
                        OR OLD.account_id IS DISTINCT FROM NEW.account_id
                        OR OLD.date IS DISTINCT FROM NEW.date
                        OR OLD.parent_state IS DISTINCT FROM NEW.parent_state
                        OR OLD.move_id IS DISTINCT FROM NEW.move_id
                        OR OLD.company_id IS DISTINCT FROM NEW.company_id)
                    EXECUTE FUNCTION %(item_function)s();
                """,
                **{
                    key: SQL.identifier(name) for key, name in WATERMARK_OBJECTS.items()
                },
            )
        )

    def _drop_watermark(self):
        """Drop the triggers and functions of ``init`` (``uninstall_hook``)."""
        self.env.cr.execute(
            SQL(
                """
                DROP TRIGGER IF EXISTS %(insert)s ON stock_valuation_layer;
                DROP TRIGGER IF EXISTS %(delete)s ON stock_valuation_layer;
                DROP TRIGGER IF EXISTS %(update)s ON stock_valuation_layer;
                DROP TRIGGER IF EXISTS %(items_insert)s ON account_move_line;
                DROP TRIGGER IF EXISTS %(items_delete)s ON account_move_line;
                DROP TRIGGER IF EXISTS %(items_update)s ON account_move_line;
                DROP FUNCTION IF EXISTS %(statement_function)s();
                DROP FUNCTION IF EXISTS %(row_function)s();
                DROP FUNCTION IF EXISTS %(items_function)s();
                DROP FUNCTION IF EXISTS %(item_function)s();
                """,
                **{
                    key: SQL.identifier(name) for key, name in WATERMARK_OBJECTS.items()
                },
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
