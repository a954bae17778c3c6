# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Inventory closings (Dynamics 365 "inventory close", ERPNext "Stock Closing
Entry"): per company, a chain of snapshots of the stock at the end of a day, each
computed from the previous one plus the layers between them, with the
reconciliation of that day frozen beside it."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date, format_list

ENGINE = "report.product_category_valuation.inventory_valuation"
MANAGER_GROUP = "product_category_valuation.group_inventory_valuation_manager"
# What only the closing's own steps write, as superuser (closing, reopening,
# the periodic adjustment): the figures it computed and its place in the chain.
# A request (a form, RPC, an import) sets none of them.
COMPUTED_FIELDS = frozenset(
    {
        "name",
        "tz",
        "cutoff",
        "state",
        "previous_id",
        "line_ids",
        "receipt_ids",
        "from_start",
        "account_ids",
        "total_value",
        "product_count",
        "difference",
        "stale",
        "adjustment_move_ids",
    }
)
# what a new closing holds of them (the others are empty)
NEW_CLOSING = {"state": "draft", "name": "/"}
# what a done closing keeps as it was closed: reopen it to change them
CLOSED_FIELDS = frozenset({"company_id", "date", "justification"})


class StockValuationClosing(models.Model):
    _name = "stock.valuation.closing"
    _description = "Inventory Closing"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Closing Date",
        required=True,
        tracking=True,
        default=lambda self: self._default_date(),
        help="The last day the closing includes, in the time zone of the user who "
        "closes it.",
    )
    tz = fields.Char(
        string="Time Zone",
        readonly=True,
        copy=False,
        help="The time zone in which the closing date ends.",
    )
    cutoff = fields.Datetime(
        string="Cut-off",
        readonly=True,
        copy=False,
        help="The first instant after the closing date (UTC): the layers created "
        "before it are in the closing.",
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("done", "Closed"), ("cancel", "Reopened")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    previous_id = fields.Many2one(
        comodel_name="stock.valuation.closing",
        string="Previous Closing",
        readonly=True,
        copy=False,
        check_company=True,
        ondelete="restrict",
        help="The closing this one was computed from.",
    )
    line_ids = fields.One2many(
        comodel_name="stock.valuation.closing.line",
        inverse_name="closing_id",
        string="Products",
        readonly=True,
    )
    receipt_ids = fields.One2many(
        comodel_name="stock.valuation.closing.receipt",
        inverse_name="closing_id",
        string="Receipts",
        readonly=True,
        help="The receipts of the period, with their added values (landed costs, "
        "price differences, revaluations) and what was received before each: the "
        "what-if FIFO and LIFO of later reports read what they keep on hand from "
        "them, without sorting the history again.",
    )
    from_start = fields.Boolean(
        string="Computed From the Start",
        readonly=True,
        copy=False,
        help="Computed from the start of history: there was no closing before, "
        "or its period had changed behind its lock.",
    )
    account_ids = fields.One2many(
        comodel_name="stock.valuation.closing.account",
        inverse_name="closing_id",
        string="Stock Accounts",
        readonly=True,
    )
    total_value = fields.Monetary(string="Inventory Value", readonly=True, copy=False)
    product_count = fields.Integer(
        string="Number of Products", readonly=True, copy=False
    )
    difference = fields.Monetary(
        readonly=True,
        copy=False,
        help="The differences between the ledger and the inventory at the "
        "closing date, per stock valuation account, added without their signs.",
    )
    stale = fields.Boolean(
        readonly=True,
        copy=False,
        help="Layers of the closed period, or posted journal items dated in it on "
        "its stock accounts, changed behind the lock (through SQL, or a module that "
        "bypasses Odoo's rules): the report no longer starts from this closing, "
        "and the next closing is computed from the start.",
    )
    justification = fields.Text(
        tracking=True,
        help="Why the ledger and the inventory may disagree at the closing date: "
        "required to close when they do.",
    )
    reopen_reason = fields.Text(
        string="Reason for Reopening",
        copy=False,
        help="Required to reopen a closing; kept in its history.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        closings = super().create(vals_list)
        if not self.env.su:
            # a new closing is a draft with nothing computed, whatever the
            # request's values and default values said
            for closing in closings:
                self._check_requested(
                    name
                    for name in COMPUTED_FIELDS
                    if (
                        closing[name] != NEW_CLOSING[name]
                        if name in NEW_CLOSING
                        else closing[name]
                    )
                )
        return closings

    def write(self, vals):
        if not self.env.su:
            self._check_requested(vals)
            changed = CLOSED_FIELDS & set(vals)
            closed = self.filtered(lambda closing: closing.state == "done")
            if changed and closed:
                raise UserError(
                    self.env._(
                        "%(closing)s is closed, and these fields stay as they were "
                        "when it closed: %(fields)s. Reopen it to change them.",
                        closing=closed[0].display_name,
                        fields=self._field_labels(changed),
                    )
                )
        return super().write(vals)

    def _check_requested(self, names):
        """Refuse a request that sets what only the closing computes."""
        computed = COMPUTED_FIELDS & set(names)
        if computed:
            raise UserError(
                self.env._(
                    "These fields of an inventory closing are computed when it is "
                    "closed: %(fields)s. Close or reopen it instead.",
                    fields=self._field_labels(computed),
                )
            )

    def _field_labels(self, names):
        """The labels of the fields ``names``, as a list in words."""
        return format_list(
            self.env,
            sorted(self._fields[name]._description_string(self.env) for name in names),
        )

    @api.model
    def _default_date(self):
        """The last day of the previous month."""
        return fields.Date.context_today(self).replace(day=1) - timedelta(days=1)

    @api.constrains("date")
    def _check_date_not_future(self):
        today = fields.Date.context_today(self)
        for closing in self:
            if closing.date > today:
                raise UserError(
                    self.env._(
                        "%(closing)s cannot close %(date)s: that day has not ended "
                        "yet. Choose a past day.",
                        closing=closing.display_name,
                        date=format_date(self.env, closing.date),
                    )
                )

    # ------------------------------------------------------------------
    # Closing
    # ------------------------------------------------------------------
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only inventory valuation managers (stock and accounting "
                    "managers) can close or reopen an inventory period."
                )
            )

    def _last_done(self):
        """The company's latest done closing: the end of its chain."""
        return self.company_id.sudo().inventory_closing_id.sudo(False)

    def _set_last_done(self, closing):
        """Move the end of the chain: a write on the company's row, so that two
        transactions extending or shortening the same chain at once cannot both
        commit (the second fails to serialize, is retried, and sees the first)."""
        self.company_id.sudo().inventory_closing_id = closing

    def action_close(self):
        """Compute the closing from the previous one, check it against the ledger
        and lock the period."""
        self._check_manager()
        for closing in self:
            closing._close()
        return True

    def _close(self):
        self.ensure_one()
        if self.state == "done":
            raise UserError(
                self.env._("%(closing)s is already closed.", closing=self.display_name)
            )
        self._check_date_not_future()
        previous = self._last_done()
        if previous and previous.date >= self.date:
            raise UserError(
                self.env._(
                    "%(closing)s cannot close %(date)s: %(previous)s already "
                    "closed %(previous_date)s. Choose a later day, or reopen "
                    "%(previous)s first.",
                    closing=self.display_name,
                    date=format_date(self.env, self.date),
                    previous=previous.display_name,
                    previous_date=format_date(self.env, previous.date),
                )
            )
        # the day ends in the closing user's time zone, else the company's
        tz = self.env.user.tz or self.company_id.partner_id.tz or "UTC"
        engine = self.env[ENGINE].with_context(tz=tz)
        options = engine._get_options(
            {
                "company_id": self.company_id.id,
                "date": fields.Date.to_string(self.date),
                "date_basis": "valuation",
                "level": "summary",
            }
        )
        if self.name == "/":
            self.sudo().name = (
                self.env["ir.sequence"]
                .with_company(self.company_id)
                .next_by_code("stock.valuation.closing")
            )
        self.sudo().previous_id = previous
        self._hold_period()
        self.line_ids.sudo().unlink()
        self.receipt_ids.sudo().unlink()
        self.account_ids.sudo().unlink()
        self.env.flush_all()
        # from the chain's end, unless its period changed behind its lock
        start = previous if not previous.stale else previous.browse()
        self._insert_lines(engine._closing_snapshot_query(options, start))
        self._insert_receipts(engine._closing_receipts_query(options, start))
        self._post_adjustment()
        accounts = self._account_values()
        # the ledgers the previous closing froze (``options["closing"]``, the
        # same ``start``), plus the items since
        reconciliation = engine._get_reconciliation(options, accounts)
        self._check_reconciliation(reconciliation)
        self.env["stock.valuation.closing.account"].sudo().create(
            [
                {
                    "closing_id": self.id,
                    "account_id": rec["account"].id,
                    "ledger_balance": rec["ledger_balance"],
                    "inventory_value": rec["report_value"],
                    "difference": rec["difference"],
                    "parts": rec["parts"],
                    "ledger_parts": rec["ledger_parts"],
                }
                for rec in reconciliation
            ]
        )
        totals = self.env.execute_query(
            SQL(
                "SELECT COUNT(*), COALESCE(SUM(value), 0)"
                " FROM stock_valuation_closing_line WHERE closing_id = %s",
                self.id,
            )
        )[0]
        self.sudo().write(
            {
                "state": "done",
                "tz": tz,
                "cutoff": options["day_end"],
                "product_count": totals[0],
                "total_value": self.currency_id.round(totals[1]),
                # differences of opposite signs on two accounts do not cancel
                "difference": sum(abs(rec["difference"]) for rec in reconciliation),
                "reopen_reason": False,
                "stale": False,
                "from_start": not start,
            }
        )
        self._set_last_done(self)
        self._analyze_after_commit()

    def _analyze_after_commit(self):
        """Once the closing is committed, refresh PostgreSQL's statistics of the
        closings' lines and receipts, which the report's queries from a closing
        read through indexes: before autovacuum comes by, the planner takes a
        closing's hundreds of thousands of new receipts for none, and a what-if
        report from it ran for minutes instead of seconds (the output bench). In
        a transaction of its own, so that the closing holds no lock of it."""
        registry = self.env.registry

        @self.env.cr.postcommit.add
        def analyze():
            with registry.cursor() as cr:
                cr.execute(
                    SQL(
                        "ANALYZE stock_valuation_closing_line, "
                        "stock_valuation_closing_receipt"
                    )
                )

    def _insert_lines(self, snapshot):
        """The lines of ``snapshot`` (``_closing_snapshot_query``), written in one
        statement, with the settings of the report's queries."""
        self.env[ENGINE]._execute(
            SQL(
                """
                INSERT INTO stock_valuation_closing_line (
                    closing_id, product_id, quantity, value, value_without_entry,
                    incoming_quantity, incoming_value, categ_id, cost_method,
                    valuation, account_id)
                SELECT %(closing)s, s.product_id, s.quantity, s.value,
                       COALESCE(s.value_without_entry, 0),
                       COALESCE(s.incoming_quantity, 0),
                       COALESCE(s.incoming_value, 0), s.categ_id, s.cost_method,
                       s.valuation, s.account_id
                  FROM (%(snapshot)s) s
                """,
                closing=self.id,
                snapshot=snapshot,
            )
        )
        self.env.invalidate_all()

    def _insert_receipts(self, receipts):
        """The receipts of ``receipts`` (``_closing_receipts_query``), written
        in one statement, with the settings of the report's queries."""
        self.env[ENGINE]._execute(
            SQL(
                """
                INSERT INTO stock_valuation_closing_receipt (
                    closing_id, product_id, layer, receipt_date, quantity, value,
                    received_before, value_before)
                SELECT %(closing)s, r.product_id, r.layer_id, r.receipt_date,
                       r.quantity, r.value, r.received_before, r.value_before
                  FROM (%(receipts)s) r
                """,
                closing=self.id,
                receipts=receipts,
            )
        )
        self.env.invalidate_all()

    @staticmethod
    def _in_chain(closing, member):
        """SQL condition: the closing ``member`` (a table alias) holds receipts
        of the chain of the closing ``closing`` (an alias of a closing, or of
        rows with its ``company_id`` and ``cutoff``): done, of its company, cut
        off from the latest closing computed from the start of history up to
        it. The one definition of a chain, for the what-if columns and the
        receipts on hand."""
        closing, member = SQL.identifier(closing), SQL.identifier(member)
        return SQL(
            """
            %(member)s.company_id = %(closing)s.company_id
            AND %(member)s.state = 'done'
            AND %(member)s.cutoff <= %(closing)s.cutoff
            AND %(member)s.cutoff >= (
                SELECT MAX(f.cutoff) FROM stock_valuation_closing f
                 WHERE f.company_id = %(closing)s.company_id AND f.state = 'done'
                   AND f.from_start AND f.cutoff <= %(closing)s.cutoff
            )
            """,
            member=member,
            closing=closing,
        )

    def _receipts_chain(self):
        """The closings whose receipts hold the history up to this done
        closing's cut-off: this one and its predecessors, back to the one
        computed from the start of history (``_in_chain``), the latest first
        (where two hold the same units, the latest's parts are read)."""
        self.ensure_one()
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT k.id FROM stock_valuation_closing c"
                " JOIN stock_valuation_closing k ON %s WHERE c.id = %s"
                " ORDER BY k.cutoff DESC, k.id DESC",
                self._in_chain("c", "k"),
                self.id,
            )
        )
        return self.browse(row[0] for row in rows)

    def _account_values(self):
        """{stock valuation account id: (value, value without journal entry)} of
        the lines, as the reconciliation takes them."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT account_id, SUM(value)::float8,
                       SUM(value_without_entry)::float8
                  FROM stock_valuation_closing_line
                 WHERE closing_id = %s AND account_id IS NOT NULL
                 GROUP BY account_id
                """,
                self.id,
            )
        )
        return {account_id: (value, without) for account_id, value, without in rows}

    def _check_reconciliation(self, reconciliation):
        """Where the ledger and the inventory disagree, a closing needs a
        justification (kept and shown)."""
        differing = [rec["account_name"] for rec in reconciliation if rec["difference"]]
        if differing and not (self.justification or "").strip():
            raise UserError(
                self.env._(
                    "%(closing)s cannot close %(date)s: the ledger and the inventory "
                    "disagree on %(accounts)s. Correct the entries, or write why in "
                    "Justification and close again.",
                    closing=self.display_name,
                    date=format_date(self.env, self.date),
                    accounts=format_list(self.env, differing),
                )
            )

    # ------------------------------------------------------------------
    # The closing's stock as the valuation report prints it
    # ------------------------------------------------------------------
    def _report_data(self):
        """The valuation report's choices at the closing date: the figures
        start from this closing."""
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "date": fields.Date.to_string(self.date),
            "date_basis": "valuation",
            "group_by": "category",
            "level": "detail",
        }

    def action_print_pdf(self):
        return self.env[ENGINE]._download_action(self._report_data(), "pdf")

    def action_export_xlsx(self):
        return self.env[ENGINE]._download_action(self._report_data(), "xlsx")

    def action_open_on_hand(self):
        """The receipts that FIFO and LIFO keep on hand at the cut-off."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "product_category_valuation.stock_valuation_closing_on_hand_action"
        )
        action["domain"] = [("closing_id", "=", self.id)]
        action["display_name"] = self.env._(
            "Receipts on Hand at %(closing)s", closing=self.display_name
        )
        return action

    # ------------------------------------------------------------------
    # Reopening
    # ------------------------------------------------------------------
    def action_reopen(self):
        """Reopen the company's latest closing, for a reason kept in its
        history; its lines stay for comparison until it is closed again."""
        self._check_manager()
        for closing in self:
            if closing.state != "done":
                raise UserError(
                    self.env._(
                        "%(closing)s is not closed: there is nothing to reopen.",
                        closing=closing.display_name,
                    )
                )
            later = closing._last_done()
            if later != closing:
                raise UserError(
                    self.env._(
                        "%(closing)s cannot be reopened: %(later)s closed a later "
                        "day. Reopen %(later)s first.",
                        closing=closing.display_name,
                        later=later.display_name,
                    )
                )
            reason = (closing.reopen_reason or "").strip()
            if not reason:
                raise UserError(
                    self.env._(
                        "Write why %(closing)s is reopened in Reason for Reopening, "
                        "then reopen it.",
                        closing=closing.display_name,
                    )
                )
            closing.sudo().state = "cancel"
            closing._set_last_done(closing.previous_id)
            closing._reverse_adjustment()
            # a log note: it needs no e-mail address of the manager
            closing._message_log(
                body=self.env._("Reopened: %(reason)s", reason=reason),
            )
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        for closing in self:
            if closing.state == "done":
                raise UserError(
                    self.env._(
                        "%(closing)s is closed: reopen it before deleting it.",
                        closing=closing.display_name,
                    )
                )
