# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer invoices and credit notes know their main article, by the same rule
as quotations (an invoice made from orders takes their main article), and a
customer invoice made without an order obeys the minimum margin of its main
article's category when it is posted: refused under the Block policy until a
sales manager approves, noted under Warn. Automatic postings (scheduled,
recurring) wait for the approval instead of failing; invoices from orders and
credit notes are never held, their orders were checked."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "margin.control.mixin"]

    margin_policy = fields.Selection(related="company_id.margin_policy")
    main_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Main Article Line",
        compute="_compute_main_article",
        store=True,
        ondelete="set null",
        groups="base.group_user",
        help="Among the invoice lines whose product category is flagged Main "
        "Article, the one with the highest untaxed subtotal (ties: the first "
        "one); on an invoice made from orders, the line of their main article.",
    )
    margin_post_on_approval = fields.Boolean(
        string="Post on Margin Approval",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="An automatic posting (scheduled or recurring) met this invoice below "
        "its minimum margin: it is posted as soon as a sales manager approves it.",
    )

    # Every line of the move is read (line_ids), never the invoice lines alone: a
    # compute that puts invoice_line_ids in cache during a recomputation keeps the
    # ORM from marking the other lines' fields that depend on the move (their
    # move_name stayed empty, seen in Odoo's own account suite).
    @api.depends(
        "move_type",
        "line_ids.price_subtotal",
        "line_ids.sequence",
        "line_ids.display_type",
        "line_ids.product_id.categ_id.is_main_article",
        "line_ids.sale_line_ids.order_id.main_product_id",
    )
    def _compute_main_article(self):
        category = self.env["product.category"]
        for move in self:
            main_line = self.env["account.move.line"]
            main_product = self.env["product.product"]
            if move.is_sale_document(include_receipts=False):
                lines = move._margin_product_lines()
                orders = lines.sale_line_ids.order_id
                if orders:
                    main_line = category._main_article_line(
                        lines.filtered(
                            lambda line, orders=orders: (
                                line.sale_line_ids & orders.main_line_id
                            )
                        )
                    )
                    main_product = (
                        main_line.product_id or orders.sorted("id").main_product_id[:1]
                    )
                else:
                    main_line = category._main_article_line(lines)
                    main_product = main_line.product_id
            move.main_line_id = main_line
            move.main_product_id = main_product
            move.main_categ_id = main_product.categ_id

    # ------------------------------------------------------------------
    # The margin of a customer invoice
    # ------------------------------------------------------------------
    def _margin_product_lines(self):
        """The invoice's product lines (see ``_compute_main_article`` on why not
        ``invoice_line_ids``)."""
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.display_type == "product")

    def _margin_line_cost(self, line):
        """The cost of an invoice line: its product's cost in the invoice's
        unit and currency, converted at the invoice date, as sale_margin costs
        an order line."""
        product = line.product_id.with_company(self.company_id)
        unit_cost = product.uom_id._compute_price(
            product.standard_price, line.product_uom_id or product.uom_id
        )
        unit_cost = product.cost_currency_id._convert(
            unit_cost,
            self.currency_id or self.company_id.currency_id,
            self.company_id,
            self.invoice_date or fields.Date.context_today(self),
            round=False,
        )
        return unit_cost * line.quantity

    def _margin_rate_depends(self):
        return [
            "margin_post_on_approval",
            "currency_id",
            "invoice_date",
            "line_ids.price_subtotal",
            "line_ids.quantity",
            "line_ids.product_uom_id",
            "line_ids.product_id.standard_price",
        ]

    def _margin_rate_value(self):
        if not self.is_sale_document(include_receipts=False):
            return 0.0
        lines = self._margin_product_lines().filtered("product_id")
        revenue = sum(lines.mapped("price_subtotal"))
        if not revenue:
            return 0.0
        cost = sum(self._margin_line_cost(line) for line in lines)
        return (revenue - cost) / revenue * 100

    def _margin_missing_cost_lines(self, line_ids=None, prefetch_ids=()):
        return self._margin_product_lines().filtered(
            lambda line: (
                line.product_id
                and not line.product_id.with_company(self.company_id).standard_price
            )
        )

    def _margin_rule_applies(self):
        """Customer invoices made without an order: an order's margin was checked
        when it was confirmed, and a credit note lowers no margin."""
        return (
            self.move_type == "out_invoice"
            and not self._margin_product_lines().sale_line_ids
        )

    def _margin_is_open(self):
        return self.state == "draft"

    def _margin_document_name(self):
        """The invoice's number, which a draft has not yet ("Draft Invoice" would
        read "Invoice Draft Invoice")."""
        if self.name and self.name != "/":
            return self.env._("Invoice %(invoice)s", invoice=self.name)
        return self.env._("This draft invoice")

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------
    def _margin_governed(self):
        """The draft invoices of ``self`` a minimum margin governs (sudo)."""
        return self.sudo().filtered(
            lambda move: move.state == "draft" and move.required_margin_rate
        )

    def action_post(self):
        """A person posting a customer invoice below its minimum, under the Block
        policy and without approval, is refused and told why."""
        for move in self._margin_governed().filtered("margin_approval_needed"):
            raise UserError(
                self.env._(
                    "%(invoice)s cannot be posted. %(reason)s Raise its prices or "
                    "lower its costs, or ask a sales manager to approve this margin "
                    "(Request Approval).",
                    invoice=move._margin_document_name(),
                    reason=move._margin_shortfall_message(),
                )
            )
        return super().action_post()

    def _post(self, soft=True):
        """Automatic postings leave an invoice below its minimum, under the Block
        policy, to a sales manager; under Warn, posting it is noted."""
        governed = self._margin_governed()
        held = governed.filtered("margin_approval_needed")
        held._hold_for_margin_approval()
        warned = governed.filtered(
            lambda move: (
                move.margin_below_minimum and move.company_id.margin_policy == "warn"
            )
        )
        notes = {move.id: move._margin_shortfall_message() for move in warned}
        posted = super(AccountMove, self - held)._post(soft=soft)
        for move in warned.filtered(lambda move: move.state == "posted"):
            move._log_margin_note(
                self.env._(
                    "Posted below the minimum margin (company policy: Warn). %s",
                    notes[move.id],
                )
            )
        done = posted.sudo().filtered(lambda move: move.state == "posted")
        done._close_margin_approval_request()
        done.filtered("margin_post_on_approval").write(
            {"margin_post_on_approval": False}
        )
        return posted

    def _hold_for_margin_approval(self):
        """Keep invoices an automatic posting met below their minimum: mark them,
        note why (once) and ask the sales managers to approve."""
        new = self.filtered(lambda move: not move.margin_post_on_approval)
        if not new:
            return
        new.write({"margin_approval_requested": True, "margin_post_on_approval": True})
        for move in new:
            move._log_margin_note(
                self.env._(
                    "Not posted automatically: waiting for a sales manager's margin "
                    "approval. %s",
                    move._margin_shortfall_message(),
                )
            )
        new._schedule_margin_approval()

    def _margin_step_waits(self):
        return self._margin_approval().margin_post_on_approval

    def _margin_after_approval(self):
        waiting = self.sudo().filtered("margin_post_on_approval")
        if waiting:
            # As the automatic posting would have done it.
            waiting._post()
