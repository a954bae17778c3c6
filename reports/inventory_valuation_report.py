# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The inventory valuation engine: the user's options in, everything the PDF,
HTML and XLSX outputs show out. This file holds the options (validated once,
here), the access check and the entry points; the valuation SQL, the what-if
values, the reconciliation and the layout extend the same model in the files
named after them."""

import contextlib
import json
from datetime import date as Date
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

REPORT_GROUP = "product_category_valuation.group_inventory_valuation"
# option -> (key of the options, model) of the records that filter the report
RECORD_OPTIONS = {
    "warehouse_ids": ("warehouses", "stock.warehouse"),
    "location_ids": ("locations", "stock.location"),
    "category_ids": ("categories", "product.category"),
    "item_group_ids": ("item_groups", "product.item.group"),
    "item_model_group_ids": ("item_model_groups", "product.item.model.group"),
}
BOOLEAN_OPTIONS = ("include_zero", "show_what_if")
# output -> the most product rows its detail renders within the limits of an
# Odoo worker by default (limit_time_real 120 s, limit_memory_hard 2.5 GiB; see
# bench/output_bench.py), unless the system parameter DETAIL_ROWS_PARAMETER of
# the output sets another; the XLSX has no such limit
DETAIL_ROWS_LIMITS = {"pdf": 20000, "html": 20000}
DETAIL_ROWS_PARAMETER = "product_category_valuation.detail_rows_limit_%s"
# the largest id PostgreSQL's integer columns hold
MAX_ID = 2**31 - 1
# the as-of days (UTC) whose days before and after, in any time zone, exist
FIRST_DAY, LAST_DAY = Date(1, 1, 2), Date(9999, 12, 29)


def is_record_id(value):
    """Whether ``value`` can be the id of a record (an int, not a bool)."""
    return (
        isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
    )


class InventoryValuationReport(models.AbstractModel):
    """Read-only: the engine writes nothing, so that it runs on a read replica."""

    _name = "report.product_category_valuation.inventory_valuation"
    _description = "Inventory Valuation Report"

    # ------------------------------------------------------------------
    # The choices the engine understands (the wizard shows them)
    # ------------------------------------------------------------------
    @api.model
    def _group_by_selection(self):
        return [
            ("category", self.env._("Category Tree")),
            ("item_group", self.env._("Item Group")),
            ("item_model_group", self.env._("Item Model Group")),
        ]

    @api.model
    def _level_selection(self):
        return [("summary", self.env._("Summary")), ("detail", self.env._("Detail"))]

    @api.model
    def _date_basis_selection(self):
        return [
            ("valuation", self.env._("Valuation Date")),
            ("accounting", self.env._("Accounting Date")),
        ]

    # ------------------------------------------------------------------
    # Options: every value checked here, once
    # ------------------------------------------------------------------
    @api.model
    def _get_options(self, data):
        """The user's choices (``data``, from the wizard or a hand-made URL) as
        records and values, each checked: the user may value inventory, in that
        company; every record named exists, is readable by the user and belongs
        to that company (or to none); every other value is one the report
        knows. Anything else is refused with a clear error, before any figure is
        computed."""
        if not self.env.user.has_group(REPORT_GROUP):
            raise AccessError(
                self.env._(
                    "Only stock managers and accounting users can run the inventory "
                    "valuation report."
                )
            )
        if not isinstance(data, dict):
            raise UserError(
                self.env._(
                    "The options of the inventory valuation must be a set of named "
                    "values, as the report's form sends them."
                )
            )
        company = self._option_company(data.get("company_id"))
        date = self._option_date(data.get("date"))
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        if tz not in pytz.all_timezones_set:
            tz = "UTC"
        # a day is valued at its end, in the user's time zone, as accountants
        # close days; a date and time (UTC) at that instant
        precise = isinstance(date, datetime)
        local_date = (
            fields.Datetime.context_timestamp(self.with_context(tz=tz), date).date()
            if precise
            else date
        )
        # the first instant after that day, in UTC
        day_end = self._day_start(local_date + timedelta(days=1), tz)
        options = {
            # the as-of instant (UTC): the last second of the day for a day
            "date": date if precise else day_end - timedelta(seconds=1),
            "precise": precise,
            # the as-of day in the user's time zone, both sides of the ledger
            "local_date": local_date,
            "day_end": day_end,
            "tz": tz,
            "company": company,
        }
        for name, selection, default in (
            ("date_basis", self._date_basis_selection(), "valuation"),
            ("group_by", self._group_by_selection(), "category"),
            ("level", self._level_selection(), "detail"),
        ):
            options[name] = self._option_choice(data, name, selection, default)
        for name in BOOLEAN_OPTIONS:
            value = data.get(name) or False
            if not isinstance(value, bool):
                raise UserError(
                    self.env._(
                        "The option %(option)s takes true or false, not %(value)r.",
                        option=name,
                        value=value,
                    )
                )
            options[name] = value
        for name, (key, model) in RECORD_OPTIONS.items():
            options[key] = self._option_records(data.get(name), name, model, company)
        # the inventory closing the figures start from, if any
        options["closing"], options["closing_skipped"] = self._starting_closing(options)
        return options

    def _option_company(self, company_id):
        """The company to value: one of the user's allowed companies (as Odoo
        caches them), named in the refusal only if the user may read it."""
        if company_id is None:
            raise AccessError(
                self.env._(
                    "Choose the company whose inventory to value: one of your "
                    "allowed companies."
                )
            )
        if not is_record_id(company_id) or (
            company_id not in self.env.user._get_company_ids()
        ):
            company = (
                self.env["res.company"]
                .browse(company_id if is_record_id(company_id) else ())
                .exists()
                ._filtered_access("read")
            )
            raise AccessError(
                self.env._(
                    "You cannot value the inventory of %(company)s: it is not one "
                    "of your allowed companies.",
                    company=company.name or repr(company_id),
                )
            )
        return self.env["res.company"].browse(company_id)

    def _option_date(self, value):
        """The as-of day (a ``date``: valued at its end, in the user's time
        zone) or date and time (a ``datetime``, UTC): now when none is
        given."""
        if value in (None, False, ""):
            return fields.Datetime.now()
        parsed = value if isinstance(value, datetime | Date) else None
        if isinstance(value, str) and len(value) in (10, 19):
            with contextlib.suppress(ValueError):
                parsed = (
                    fields.Date.to_date(value)
                    if len(value) == 10
                    else fields.Datetime.to_datetime(value)
                )
        if not parsed:
            raise UserError(
                self.env._(
                    "The as-of date %(value)r is not a date: write it as YYYY-MM-DD "
                    "(valued at the end of that day), or YYYY-MM-DD HH:MM:SS (UTC), "
                    "or leave it empty for now.",
                    value=value,
                )
            )
        day = parsed.date() if isinstance(parsed, datetime) else parsed
        if not FIRST_DAY <= day <= LAST_DAY:
            raise UserError(
                self.env._(
                    "The as-of date %(value)r is out of range: choose a day from "
                    "%(first)s to %(last)s.",
                    value=value,
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                )
            )
        return parsed

    def _option_choice(self, data, name, selection, default):
        keys = [key for key, _label in selection]
        value = data.get(name) or default
        if value not in keys:
            raise UserError(
                self.env._(
                    "The option %(option)s cannot be %(value)r: choose among "
                    "%(choices)s.",
                    option=name,
                    value=value,
                    choices=", ".join(keys),
                )
            )
        return value

    def _option_records(self, ids, name, model, company):
        """The records of ``model`` named by the option ``name``, read with the
        user's rights: every one must exist, be readable and belong to
        ``company`` or to no company. A refusal never names a record the user
        has no business seeing."""
        records = self.env[model].with_context(active_test=False)
        if ids in (None, False):
            return records
        if not isinstance(ids, list | tuple) or not all(map(is_record_id, ids)):
            raise UserError(
                self.env._(
                    "The option %(option)s takes a list of record ids, not %(value)r.",
                    option=name,
                    value=ids,
                )
            )
        records = records.browse(dict.fromkeys(ids))
        readable = records.exists()._filtered_access("read")
        if "company_id" in records._fields:
            foreign = readable.filtered(
                lambda record: record.company_id not in (company, company.browse())
            )
        elif "company_ids" in records._fields:  # accounts: shared by a branch tree
            foreign = readable.filtered(
                lambda record: not (record.company_ids & company.parent_ids)
            )
        else:  # categories: shared by every company
            foreign = readable.browse()
        if readable != records or foreign:
            raise AccessError(
                self.env._(
                    "The %(records)s chosen for the inventory valuation of "
                    "%(company)s must exist, be readable by you and belong to "
                    "%(company)s: choose them again in the report's form.",
                    records=self.env["ir.model"]._get(model).name,
                    company=company.name,
                )
            )
        return records

    @staticmethod
    def _day_start(day, tz):
        """The first instant of ``day`` in the time zone ``tz``, in naive UTC."""
        local = pytz.timezone(tz).localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _get_report_data(self, data, output=None):
        """Everything the QWeb templates and the XLSX writer show, from the user's
        choices ``data``: the options and their labels, the columns, one list of
        aligned rows (``kind``: ``group``, ``product``, ``subtotal`` or ``total``;
        ``level``: the depth), the reconciliation. Refused first when the
        ``output`` it is for could not render as many rows."""
        options = self._get_options(data)
        self._check_output_size(options, output)
        lines, subtotals, total, accounts = self._get_valuation(options)
        report = dict(
            self._layout(options, lines, subtotals, total),
            reconciliation=self._get_reconciliation(options, accounts),
            bucket_titles=self._bucket_titles(),
        )
        return dict(report, **self._pdf_layout(report))

    @api.model
    def _check_output_size(self, options, output):
        """Refuse a PDF or HTML detail of more product rows than the output
        renders within a worker's limits, before any figure is computed, saying
        what works instead."""
        if options["level"] != "detail" or output not in DETAIL_ROWS_LIMITS:
            return
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(DETAIL_ROWS_PARAMETER % output, "")
            .strip()
        )
        # a parameter that is no number keeps the default
        limit = int(value) if value.isdigit() else DETAIL_ROWS_LIMITS[output]
        if self._detail_rows_bound(options, limit + 1) > limit:
            raise UserError(
                self.env._(
                    "The detail of the inventory valuation of %(company)s would show "
                    "more than %(limit)s products: too many for %(output)s. Export it "
                    "to XLSX, print the Summary level, or narrow it to some "
                    "categories, item groups, warehouses or locations.",
                    company=options["company"].name,
                    limit=limit,
                    output=self.env._("a PDF")
                    if output == "pdf"
                    else self.env._("a web page"),
                )
            )

    @api.model
    def _get_reconciliation_data(self, data):
        """The options and the reconciliation alone (no valuation rows)."""
        options = self._get_options(data)
        return options, self._get_reconciliation(
            options, self._get_account_values(options)
        )

    # ------------------------------------------------------------------
    # Drill-down from the HTML preview (static/src: the report viewer's links)
    # ------------------------------------------------------------------
    @api.model
    def action_open_layers(self, data, product_id):
        """The valuation layers behind a product's row: the product's layers of
        the company counted at the as-of date."""
        options = self._get_options(data)
        product = self._option_records(
            [product_id], "product_id", "product.product", options["company"]
        )
        return self._drill_action(
            "stock.valuation.layer",
            self.env._(
                "Valuation of %(product)s at %(date)s",
                product=product.display_name,
                date=self._as_of_text(options),
            ),
            [
                ("product_id", "=", product.id),
                ("company_id", "=", options["company"].id),
                *self._layer_dated_domain(options),
            ],
        )

    @api.model
    def action_open_journal_items(self, data, account_id):
        """The journal items behind an account's ledger balance in the
        reconciliation: its posted items of the company up to the as-of day."""
        options = self._get_options(data)
        account = self._option_records(
            [account_id], "account_id", "account.account", options["company"]
        )
        return self._drill_action(
            "account.move.line",
            self.env._(
                "%(account)s at %(date)s",
                account=account.display_name,
                date=self._as_of_text(options),
            ),
            self._ledger_domain(options, account),
        )

    def _drill_action(self, model, name, domain):
        """The records of ``model`` matching ``domain``, in a list, for a user who
        may read them."""
        self.env[model].check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": domain,
            "context": {"create": False},
        }

    @api.model
    def _download_action(self, data, output):
        """Open the report's download route for the choices ``data``: it runs on
        a read-only cursor (a read replica when one is configured) and writes
        nothing. The choices are checked first, and that the ``output`` can show
        as many rows: refused here, before the browser leaves the form."""
        self._check_output_size(self._get_options(data), output)
        query = urlencode({"options": json.dumps(data)})
        return {
            "type": "ir.actions.act_url",
            "url": f"/product_category_valuation/valuation.{output}?{query}",
            "target": "self",
        }

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        # Odoo's report routes name the output: the report viewer's preview, a PDF
        output = "pdf" if data.get("report_type") == "pdf" else "html"
        return {"doc_ids": docids, "report": self._get_report_data(data, output)}
