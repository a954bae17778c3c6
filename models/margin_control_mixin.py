# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The minimum margin rule, shared by quotations and direct customer invoices: a
document's margin rate against the minimum of its main article's category, and
the approval workflow of documents below it (a salesperson requests, a sales
manager approves a rate, a lower rate voids the approval).

A document model inherits this mixin and provides its company's policy
(``margin_policy``, related to ``company_id``), its main article line and what
follows from it (``_compute_main_article``), its margin rate
(``_margin_rate_value``), its product lines without cost
(``_margin_missing_cost_lines``, found in SQL by ``_margin_missing_cost_query``
if it can), whether the rule applies to it (``_margin_rule_applies``), whether
it is still open to a decision (``_margin_is_open``), how messages name it
(``_margin_document_name``), whether an automatic step waits for the approval
(``_margin_step_waits``) and what an approval sets off
(``_margin_after_approval``)."""

from collections import namedtuple

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, format_datetime, format_list, formatLang

MARGIN_APPROVAL_FIELDS = (
    "margin_approved_by_id",
    "margin_approved_date",
    "margin_approved_rate",
)
# What a document's margin figures are computed from besides its lines: the
# minimum margin rate of its main product's category, its company's margin
# policy, its approval (who, at what rate, requested) and the ids of its product
# lines without cost (None: ask ``_margin_missing_cost_lines``).
MarginFacts = namedtuple(
    "MarginFacts",
    "min_rate policy margin_approved_by_id margin_approved_rate requested "
    "missing_line_ids",
)
MARGIN_ACTIVITY = "product_category_valuation.mail_act_margin_approval"
MARGIN_SUBTYPE = "product_category_valuation.mt_margin_approval"
SALE_MANAGER = "sales_team.group_sale_manager"
# The context key by which the Approve Margin and Request Approval buttons carry
# the margin rate their form shows, so that nobody approves a rate unseen.
MARGIN_RATE_SEEN = "margin_rate_seen"


class MarginControlMixin(models.AbstractModel):
    _name = "margin.control.mixin"
    _description = "Minimum Margin Control"

    main_product_id = fields.Many2one(
        comodel_name="product.product",
        compute="_compute_main_article",
        store=True,
        groups="base.group_user",
        # alone: every form reads it, and nothing else of the approval
        prefetch="main_product",
        help="The product of the main article line; on an invoice made from "
        "orders, the main product of its orders.",
    )
    main_categ_id = fields.Many2one(
        comodel_name="product.category",
        string="Main Article Category",
        compute="_compute_main_article",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
        prefetch="margin",
        help="The category of the main product: its minimum margin rate governs "
        "the quotation, or the customer invoice made without an order.",
    )
    required_margin_rate = fields.Float(
        string="Required Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_margin_figures",
        groups="base.group_user",
        help="Minimum margin rate of the main product's category, inherited from its "
        "parents. 0 when no minimum applies: no main article, no minimum set on "
        "its category or its parents, or the company's margin policy is Off.",
    )
    margin_rate = fields.Float(
        string="Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_margin_figures",
        groups="base.group_user",
        help="Margin in percent of the untaxed amount (0 when the untaxed amount "
        "is 0).",
    )
    margin_below_minimum = fields.Boolean(
        compute="_compute_margin_figures",
        groups="base.group_user",
        help="A minimum margin rate applies and the margin rate is below it.",
    )
    margin_missing_cost_products = fields.Char(
        string="Cost Missing On",
        compute="_compute_margin_figures",
        groups="base.group_user",
        help="Products whose cost is 0 while a minimum margin rate applies: their "
        "whole price counts as margin until their cost is set.",
    )
    margin_approval_needed = fields.Boolean(
        compute="_compute_margin_figures",
        groups="base.group_user",
        help="Below the required margin rate, the company's margin policy is Block "
        "and no sales manager approved the margin: the document cannot be "
        "confirmed or posted.",
    )
    margin_approval_state = fields.Selection(
        selection=[
            ("to_approve", "To Approve"),
            ("requested", "Approval Requested"),
            ("waiting", "Waiting for Approval"),
            ("approved", "Approved"),
        ],
        string="Margin Approval Status",
        compute="_compute_margin_figures",
        groups="base.group_user",
        help="Where the document stands with the sales managers: its margin is to "
        "approve, approval was requested, an automatic step (the customer's "
        "signature or payment, a scheduled posting) waits for it, or a manager's "
        "approval holds. Empty when no approval is needed.",
    )
    margin_approved_by_id = fields.Many2one(
        comodel_name="res.users",
        copy=False,
        readonly=True,
        groups="base.group_user",
        prefetch="margin",
    )
    margin_approved_date = fields.Datetime(
        string="Margin Approved On",
        copy=False,
        readonly=True,
        groups="base.group_user",
        prefetch="margin",
    )
    margin_approved_rate = fields.Float(
        string="Approved Margin Rate (%)",
        digits=(16, 2),
        copy=False,
        readonly=True,
        groups="base.group_user",
        prefetch="margin",
    )
    margin_approval_summary = fields.Char(
        string="Margin Approval",
        compute="_compute_margin_approval_summary",
        groups="base.group_user",
    )
    margin_approval_requested = fields.Boolean(
        string="Margin to Approve",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_user",
        prefetch="margin",
        help="A salesperson asked the sales managers to approve this margin, or an "
        "automatic step (the customer's signature or payment, a scheduled "
        "posting) is waiting for it.",
    )
    margin_requested_rate = fields.Float(
        string="Requested Margin Rate (%)",
        digits=(16, 2),
        copy=False,
        readonly=True,
        groups="base.group_user",
        prefetch="margin",
        help="The margin rate the salesperson asked the sales managers to approve.",
    )

    # ------------------------------------------------------------------
    # What each document provides
    # ------------------------------------------------------------------
    def _compute_main_article(self):
        """Set ``main_line_id``, ``main_product_id`` and ``main_categ_id`` by
        ``product.category._main_article_line``."""
        raise NotImplementedError

    def _margin_rate_value(self):
        """The document's margin rate, in percent of its untaxed amount."""
        raise NotImplementedError

    def _margin_rate_depends(self):
        """The fields the margin rate is computed from."""
        return []

    def _margin_missing_cost_lines(self, line_ids=None, prefetch_ids=()):
        """Product lines whose cost is 0: their whole price counts as margin;
        ``line_ids`` when ``_margin_missing_cost_query`` found them, read with
        those of ``prefetch_ids``."""
        raise NotImplementedError

    def _margin_missing_cost_query(self):
        """SQL of the ids (``int[]``) of the product lines without cost of a
        stored document ``d``; NULL leaves them to ``_margin_missing_cost_lines``."""
        return SQL("NULL::int[]")

    def _margin_rule_applies(self):
        """Whether the minimum margin rule governs this document at all."""
        return True

    def _margin_is_open(self):
        """Whether the document can still be approved or refused (a quotation, a
        draft invoice)."""
        raise NotImplementedError

    def _margin_document_name(self):
        """How messages name the document ("Quotation S00012")."""
        raise NotImplementedError

    def _margin_step_waits(self):
        """Whether an automatic step (the customer's signature or payment, a
        scheduled posting) waits for the approval."""
        raise NotImplementedError

    def _margin_after_approval(self):
        """What an approval sets off: the step an automatic path left waiting."""

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    @api.depends(
        lambda self: [
            "company_id.margin_policy",
            "main_categ_id.effective_min_margin_rate",
            "margin_approved_by_id",
            "margin_approved_rate",
            "margin_approval_requested",
            *self._margin_rate_depends(),
        ]
    )
    def _compute_margin_figures(self):
        # the rates first: computing them may recompute lines, whose writes
        # void an approval (``_void_lowered_margin_approvals``) that the facts
        # must then see
        rates = {document: document._margin_rate_value() for document in self}
        facts = self._stored_margin_facts()
        # the lines without cost of all these documents, read at once
        missing_ids = [
            id_ for fact in facts.values() for id_ in fact.missing_line_ids or ()
        ]
        for document in self:
            fact = facts.get(document.id) or document._margin_facts()
            document.required_margin_rate = (
                fact.min_rate
                if fact.policy != "off" and document._margin_rule_applies()
                else 0.0
            )
            document.margin_rate = rates[document]
            applies = document.required_margin_rate > 0
            document.margin_below_minimum = applies and (
                float_compare(
                    document.margin_rate,
                    document.required_margin_rate,
                    precision_digits=2,
                )
                < 0
            )
            holds = document._margin_approval_holds(fact)
            document.margin_approval_needed = (
                document.margin_below_minimum and fact.policy == "block" and not holds
            )
            document.margin_approval_state = document._margin_approval_state_of(
                holds, fact.requested
            )
            missing = applies and document._margin_missing_cost_lines(
                fact.missing_line_ids, missing_ids
            )
            # the language's list only where there is one to write
            document.margin_missing_cost_products = (
                format_list(self.env, missing.product_id.mapped("display_name"))
                if missing
                else False
            )

    def _margin_facts(self):
        """What the figures of this document are computed from besides its
        lines, through the ORM: a document being edited in a form."""
        approval = self._margin_approval()
        return MarginFacts(
            min_rate=self.main_categ_id.effective_min_margin_rate,
            policy=self.company_id.margin_policy,
            margin_approved_by_id=approval.margin_approved_by_id.id,
            margin_approved_rate=approval.margin_approved_rate,
            requested=approval.margin_approval_requested,
            missing_line_ids=None,
        )

    def _stored_margin_facts(self):
        """{id: ``MarginFacts``} of these documents that are stored, in one
        query: every form and list of documents reads their figures, and the
        ORM took three queries a document (four times the time of this one) to
        follow the way to the minimum rate (the main product, its template and
        its category, read whole), read the approval (nine columns, each with
        its groups) and find the lines without cost. The minimum rate is the
        main article category's (``main_categ_id``, the main product's
        category), in a subquery: a join of five tables took longer to plan
        than to run. New documents are left to ``_margin_facts``."""
        stored = self.browse(id_ for id_ in self.ids if isinstance(id_, int))
        if not stored:
            return {}
        self.flush_model(
            ["main_categ_id", *MARGIN_APPROVAL_FIELDS, "margin_approval_requested"]
        )
        self.env["product.category"].flush_model(["effective_min_margin_rate"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT d.id,
                       (SELECT k.effective_min_margin_rate FROM product_category k
                         WHERE k.id = d.main_categ_id),
                       d.margin_approved_by_id, d.margin_approved_rate,
                       d.margin_approval_requested, %s
                  FROM %s d
                 WHERE d.id IN %s
                """,
                stored._margin_missing_cost_query(),
                SQL.identifier(self._table),
                tuple(stored.ids),
            )
        )
        return {
            id_: MarginFacts(
                min_rate=rate or 0.0,
                policy=self.browse(id_).company_id.margin_policy,
                margin_approved_by_id=approved_by,
                margin_approved_rate=approved_rate or 0.0,
                requested=bool(requested),
                missing_line_ids=line_ids,
            )
            for id_, rate, approved_by, approved_rate, requested, line_ids in rows
        }

    def _minimum_margin_from(self):
        """The documents (``d``) with their company (``c``) and their main
        article category (``k``), as SQL, their values written first: the way
        from a document to its minimum margin rate and policy."""
        self.flush_model(["main_categ_id", "company_id"])
        self.env["product.category"].flush_model(["effective_min_margin_rate"])
        self.env["res.company"].flush_model(["margin_policy"])
        return SQL(
            """
            %s d
            JOIN res_company c ON c.id = d.company_id
            LEFT JOIN product_category k ON k.id = d.main_categ_id
            """,
            SQL.identifier(self._table),
        )

    @api.depends("margin_approval_state", "margin_approved_date")
    @api.depends_context("lang", "tz")
    def _compute_margin_approval_summary(self):
        for document in self:
            if document.margin_approval_state != "approved":
                document.margin_approval_summary = False
                continue
            approval = document._margin_approval()
            document.margin_approval_summary = self.env._(
                "Approved by %(user)s on %(date)s at %(rate)s",
                user=approval.margin_approved_by_id.name,
                date=format_datetime(self.env, approval.margin_approved_date),
                rate=document._format_rate(approval.margin_approved_rate),
            )

    def _margin_approval_state_of(self, holds, requested):
        """The Margin Approval Status, once ``margin_approval_needed`` is set,
        ``holds`` saying whether an approval holds and ``requested`` whether
        one was requested."""
        if holds:
            return "approved"
        if not self.margin_approval_needed:
            return False
        if not requested:
            return "to_approve"
        return "waiting" if self._margin_step_waits() else "requested"

    def _margin_approval(self):
        """This document as superuser, to read its stored approval in the figures
        computed for its readers: the field checks of the approval's nine columns
        (each with its groups, three times a fetch) cost more than the read itself,
        and the figures show nothing of it that the document's readers may not
        see."""
        return self.sudo()

    def _margin_approval_holds(self, approval=None):
        """Return whether a sales manager approved a rate this document still
        reaches: its ``approval`` (its ``MarginFacts``, else its stored one)."""
        self.ensure_one()
        approval = approval or self._margin_approval()
        return bool(approval.margin_approved_by_id) and (
            float_compare(
                self.margin_rate, approval.margin_approved_rate, precision_digits=2
            )
            >= 0
        )

    def _format_rate(self, rate):
        """A rate in percent as the current language writes it ("6,67 %" in
        French, "6.67 %" in English)."""
        return f"{formatLang(self.env, rate, digits=2)} %"

    def _margin_shortfall_message(self):
        """Why this document is below its minimum, for staff (never customers)."""
        self.ensure_one()
        message = self.env._(
            "Its margin rate, %(rate)s, is below the minimum of %(required)s set on "
            "category %(category)s for its main product %(product)s.",
            rate=self._format_rate(self.margin_rate),
            required=self._format_rate(self.required_margin_rate),
            category=self.main_categ_id.min_margin_rate_source_id.display_name,
            product=self.main_product_id.display_name,
        )
        if self.margin_missing_cost_products:
            message += " " + self.env._(
                "Cost missing on %(products)s: their whole price counts as margin "
                "until their cost is set.",
                products=self.margin_missing_cost_products,
            )
        return message

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # an approval comes from a sales manager, never with a new document
        # (in its values, or the default values of the request's context); read
        # from the values alone, for every quotation and entry goes through here
        if any(
            vals.get(name) or self.env.context.get(f"default_{name}")
            for vals in vals_list
            for name in MARGIN_APPROVAL_FIELDS
        ):
            self._check_margin_manager()
        return super().create(vals_list)

    def write(self, vals):
        if any(name in vals for name in MARGIN_APPROVAL_FIELDS):
            self._check_margin_manager()
        return super().write(vals)

    def _check_margin_manager(self):
        if not self.env.su and not self.env.user.has_group(SALE_MANAGER):
            raise AccessError(self.env._("Only sales managers can approve a margin."))

    def action_request_margin_approval(self):
        """Ask the company's sales managers to approve the margin: the rate the
        salesperson's form shows (``MARGIN_RATE_SEEN``, else the current one),
        refused if the document's rate is lower by now."""
        self._lock_for_margin_decision()
        for document in self:
            if not document.margin_approval_needed or not document._margin_is_open():
                raise UserError(
                    self.env._(
                        "%(document)s needs no margin approval.",
                        document=document._margin_document_name(),
                    )
                )
        rates = self._margin_rates_seen(
            self.env._("reload it and request approval again")
        )
        for document in self:
            document.sudo().write(
                {
                    "margin_approval_requested": True,
                    "margin_requested_rate": rates[document],
                }
            )
            document._log_margin_note(
                self.env._(
                    "Margin approval requested by %(user)s at %(rate)s. %(reason)s",
                    user=self.env.user.name,
                    rate=document._format_rate(rates[document]),
                    reason=document._margin_shortfall_message(),
                )
            )
        self._schedule_margin_approval()
        return True

    def action_approve_margin(self):
        """Approve the margin rate that the manager's form shows
        (``MARGIN_RATE_SEEN``, else the current one) of documents below their
        minimum, refused if their rate is lower by now; then what an automatic
        path left waiting goes on (``_margin_after_approval``)."""
        self._check_margin_manager()
        self._lock_for_margin_decision()
        for document in self:
            if not document._margin_is_open():
                raise UserError(
                    self.env._(
                        "%(document)s is no longer a draft: its margin cannot be "
                        "approved.",
                        document=document._margin_document_name(),
                    )
                )
            if not document.margin_below_minimum:
                raise UserError(
                    self.env._(
                        "%(document)s reaches its minimum margin rate (%(rate)s for "
                        "%(required)s required): there is nothing to approve.",
                        document=document._margin_document_name(),
                        rate=document._format_rate(document.margin_rate),
                        required=document._format_rate(document.required_margin_rate),
                    )
                )
        rates = self._margin_rates_seen(self.env._("reload it and approve again"))
        now = fields.Datetime.now()
        for document in self:
            # The manager was checked: a sales manager approves an invoice he
            # may not otherwise edit.
            document.sudo().write(
                {
                    "margin_approved_by_id": self.env.user.id,
                    "margin_approved_date": now,
                    "margin_approved_rate": rates[document],
                    "margin_approval_requested": False,
                }
            )
            document._log_margin_note(
                self.env._(
                    "Margin approved by %(user)s on %(date)s at %(rate)s (minimum "
                    "required: %(required)s).",
                    user=self.env.user.name,
                    date=format_datetime(self.env, now),
                    rate=document._format_rate(rates[document]),
                    required=document._format_rate(document.required_margin_rate),
                )
            )
        # the note above says who approved: the managers' activities go
        # without a "done" message each (in the language of each manager)
        self.sudo().activity_unlink([MARGIN_ACTIVITY])
        self._margin_after_approval()
        return True

    def _lock_for_margin_decision(self):
        """Lock these documents until the transaction ends, before their rate is
        read: a concurrent change of their lines either waits, or, committed
        first, makes this transaction fail to serialize and Odoo retry it on the
        new figures."""
        if not self:
            return
        self.flush_recordset()
        self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                SQL.identifier(self._table),
                tuple(self.ids),
            )
        )

    def _margin_rates_seen(self, what_to_do):
        """{document: the rate its form showed (``MARGIN_RATE_SEEN``), else its
        current rate}, refused when the current rate is lower than the one
        seen: the user decides on figures that are no longer true."""
        seen = self.env.context.get(MARGIN_RATE_SEEN)
        rates = {}
        for document in self:
            if seen is None:
                rates[document] = document.margin_rate
                continue
            if float_compare(document.margin_rate, seen, precision_digits=2) < 0:
                raise UserError(
                    self.env._(
                        "%(document)s: the margin changed to %(rate)s since you "
                        "opened it (%(seen)s): %(what_to_do)s.",
                        document=document._margin_document_name(),
                        rate=document._format_rate(document.margin_rate),
                        seen=document._format_rate(seen),
                        what_to_do=what_to_do,
                    )
                )
            rates[document] = seen
        return rates

    def _schedule_margin_approval(self):
        """One activity per sales manager of the document's company, unless one
        is already pending."""
        managers = (
            self.env.ref(SALE_MANAGER)
            .sudo()
            .users.filtered(lambda user: not user.share)
        )
        activity_type = self.env.ref(MARGIN_ACTIVITY)
        # the managers find the request among their activities (Odoo tells their
        # web client at once), without Odoo's e-mail of an assigned activity:
        # sent through the quotation, it writes its customer's row, on which
        # two requests for one customer at once failed to serialize
        documents = self.sudo().with_context(mail_activity_quick_update=True)
        for document in documents:
            if activity_type in document.activity_ids.activity_type_id:
                continue
            approvers = managers.filtered(
                lambda user, company=document.company_id: company in user.company_ids
            )
            for user in approvers:
                # in the language of the manager who reads it
                in_lang = document.with_context(lang=user.lang)
                document.activity_schedule(
                    MARGIN_ACTIVITY,
                    user_id=user.id,
                    summary=activity_type.with_context(lang=user.lang).summary,
                    note=in_lang._margin_shortfall_message(),
                )

    def _close_margin_approval_request(self):
        """The document went on (confirmed, posted): nothing waits any more."""
        waiting = self.sudo().filtered("margin_approval_requested")
        waiting.activity_unlink([MARGIN_ACTIVITY])
        waiting.write({"margin_approval_requested": False})

    def _void_lowered_margin_approvals(self):
        """Clear approvals whose documents fell below the approved margin rate."""
        approved = self.filtered(
            lambda document: (
                document.sudo().margin_approved_by_id and document._margin_is_open()
            )
        ).sudo()
        for document in approved:
            if document._margin_approval_holds():
                continue
            approved_rate = document.margin_approved_rate
            document.write(dict.fromkeys(MARGIN_APPROVAL_FIELDS, False))
            document._log_margin_note(
                self.env._(
                    "Margin approval voided: the margin rate fell from the approved "
                    "%(approved)s to %(rate)s.",
                    approved=document._format_rate(approved_rate),
                    rate=document._format_rate(document.margin_rate),
                )
            )

    def _log_margin_note(self, body):
        """A log note in the margin approval subtype, by the current user, that
        needs no e-mail address and notifies nobody."""
        self.ensure_one()
        message = self._message_log(body=body)
        message.subtype_id = self.env.ref(MARGIN_SUBTYPE)
        return message
