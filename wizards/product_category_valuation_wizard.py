# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

import pytz
from markupsafe import Markup

from odoo import Command, api, fields, models

ENGINE = "report.product_category_valuation.inventory_valuation"
# the choices a user finds again, per company (the as-of day is always today)
REMEMBERED = (
    "warehouse_ids",
    "location_ids",
    "category_ids",
    "item_group_ids",
    "item_model_group_ids",
    "group_by",
    "level",
    "date_basis",
    "include_zero",
    "show_what_if",
)


class ProductCategoryValuationWizard(models.TransientModel):
    """The user's choices of the inventory valuation report, and its buttons. The
    report engine (``ENGINE``) checks them and computes everything."""

    _name = "product.category.valuation.wizard"
    _description = "Inventory Valuation Options"
    _check_company_auto = True

    as_of_day = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="The stock is valued at the end of this day, in your time zone.",
    )
    precise_time = fields.Boolean(
        string="At a Precise Time",
        help="Value the stock at a given instant instead of at the end of the "
        "day. Journal entries are dated by day: the reconciliation still reads "
        "the ledger to the end of that day.",
    )
    date = fields.Datetime(string="As of (Time)", default=fields.Datetime.now)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    warehouse_ids = fields.Many2many(
        comodel_name="stock.warehouse",
        string="Warehouses",
        check_company=True,
        help="Only the quantities in these warehouses, valued at the products' "
        "unit cost. Empty: the whole company.",
    )
    location_ids = fields.Many2many(
        comodel_name="stock.location",
        string="Locations",
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="Only the quantities in these locations and their children, valued at "
        "the products' unit cost. Empty: the whole company.",
    )
    category_ids = fields.Many2many(
        comodel_name="product.category",
        string="Categories",
        help="Only the products of these categories and of their children.",
    )
    item_group_ids = fields.Many2many(
        comodel_name="product.item.group",
        string="Item Groups",
        check_company=True,
        help="Only the products of these item groups.",
    )
    item_model_group_ids = fields.Many2many(
        comodel_name="product.item.model.group",
        string="Item Model Groups",
        check_company=True,
        help="Only the products of these item model groups.",
    )
    group_by = fields.Selection(
        selection=lambda self: self.env[ENGINE]._group_by_selection(),
        required=True,
        default="category",
    )
    level = fields.Selection(
        selection=lambda self: self.env[ENGINE]._level_selection(),
        required=True,
        default="detail",
        help="Summary: the groups and their subtotals only. Detail: every product.",
    )
    date_basis = fields.Selection(
        selection=lambda self: self.env[ENGINE]._date_basis_selection(),
        string="Dating Basis",
        required=True,
        default="valuation",
        help="Valuation Date: the layers created up to the as-of date (Odoo's own "
        "valuation). Accounting Date: the layers whose journal entry is dated up to "
        "the as-of day (their creation day when they have none), so that back-dated "
        "entries agree with the ledger.",
    )
    include_zero = fields.Boolean(
        string="Zero-Quantity Lines",
        help="Also list the products valued in the past that have no quantity left.",
    )
    show_what_if = fields.Boolean(
        string="What-If Columns",
        help="Also value the on-hand quantities under First In First Out (FIFO), "
        "Last In First Out (LIFO), Average Cost (AVCO) of the receipts and Standard "
        "Price.",
    )
    future_date = fields.Boolean(compute="_compute_future_date")

    @api.model
    def default_get(self, fields_list):
        """The user's last choices in this company, where they still hold: the
        records that still exist, that the user may read and that belong to the
        company; the as-of day is always today."""
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(
            values.get("company_id") or self.env.company.id
        )
        remembered = (self._user_settings().inventory_valuation_choices or {}).get(
            str(company.id), {}
        )
        for fname in set(REMEMBERED) & set(fields_list) & set(remembered):
            field, value = self._fields[fname], remembered[fname]
            if field.type == "many2many":
                records = (
                    self.env[field.comodel_name]
                    .browse(value)
                    .exists()
                    ._filtered_access("read")
                )
                if "company_id" in records._fields:
                    records = records.filtered(
                        lambda record: record.company_id in (company, company.browse())
                    )
                value = [Command.set(records.ids)]
            elif field.type == "selection":
                if value not in dict(field._description_selection(self.env)):
                    continue
            values[fname] = value
        return values

    def _user_settings(self):
        return self.env["res.users.settings"]._find_or_create_for_user(self.env.user)

    def _remember_choices(self):
        """Keep these choices for the user's next report in this company."""
        self.ensure_one()
        settings = self._user_settings()
        choices = dict(settings.inventory_valuation_choices or {})
        data = self._prepare_report_data()
        choices[str(self.company_id.id)] = {fname: data[fname] for fname in REMEMBERED}
        settings.sudo().inventory_valuation_choices = choices

    @api.depends("as_of_day", "precise_time", "date")
    def _compute_future_date(self):
        now, today = fields.Datetime.now(), fields.Date.context_today(self)
        for wizard in self:
            if wizard.precise_time:
                wizard.future_date = bool(wizard.date and wizard.date > now)
            else:
                wizard.future_date = bool(wizard.as_of_day and wizard.as_of_day > today)

    @api.onchange("precise_time")
    def _onchange_precise_time(self):
        """The time starts on the chosen day, at this time of the day."""
        if not (self.precise_time and self.as_of_day):
            return
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        local = now.tzinfo.localize(
            datetime.combine(self.as_of_day, now.time().replace(tzinfo=None))
        )
        self.date = local.astimezone(pytz.utc).replace(tzinfo=None, microsecond=0)

    def _prepare_report_data(self):
        """The choices, as the report engine and the download route take them."""
        self.ensure_one()
        return {
            # a day (valued at its end) or, at a precise time, a UTC instant
            "date": fields.Datetime.to_string(self.date)
            if self.precise_time
            else fields.Date.to_string(self.as_of_day),
            "company_id": self.company_id.id,
            "warehouse_ids": self.warehouse_ids.ids,
            "location_ids": self.location_ids.ids,
            "category_ids": self.category_ids.ids,
            "item_group_ids": self.item_group_ids.ids,
            "item_model_group_ids": self.item_model_group_ids.ids,
            "group_by": self.group_by,
            "level": self.level,
            "date_basis": self.date_basis,
            "include_zero": self.include_zero,
            "show_what_if": self.show_what_if,
        }

    def _download(self, output):
        action = self.env[ENGINE]._download_action(self._prepare_report_data(), output)
        self._remember_choices()
        return action

    def _checked_report_data(self):
        """The choices, once the engine has checked them, that the user may
        value this company's inventory and that a web page can show as many
        rows: refused here, before the report viewer opens."""
        data = self._prepare_report_data()
        engine = self.env[ENGINE]
        engine._check_output_size(engine._get_options(data), "html")
        self._remember_choices()
        return data

    def action_print_pdf(self):
        return self._download("pdf")

    def action_preview_html(self):
        """The preview in Odoo's report viewer, from the choices alone. The
        report does not use the company's document layout, so an administrator
        is not first sent to configure one (``config=False``)."""
        return self.env.ref(
            "product_category_valuation.action_report_inventory_valuation_html"
        ).report_action(None, data=self._checked_report_data(), config=False)

    def action_export_xlsx(self):
        return self._download("xlsx")

    def action_open_reconciliation(self):
        """The reconciliation's differences, part by part, each opening the journal
        items or layers behind it: the engine computes the reconciliation alone."""
        self.ensure_one()
        engine = self.env[ENGINE]
        options, reconciliation = engine._get_reconciliation_data(
            self._prepare_report_data()
        )
        self._remember_choices()
        domains = engine._bucket_domains(options)
        Line = self.env["product.category.valuation.reconciliation.line"]
        Line.search([("wizard_id", "=", self.id)]).unlink()
        values = []
        for rec in reconciliation:
            account = rec["account"]
            layers_without_entry, layers = domains.get(account.id, ([], []))
            for sequence, (bucket, amount) in enumerate(rec["parts"].items()):
                if not amount:
                    continue
                record_ids = rec.get(f"{bucket}_ids")
                record_domain = None
                if bucket == "no_entry":
                    record_domain = layers_without_entry
                elif not record_ids:  # nothing in the ledger is behind it
                    record_domain = layers
                values.append(
                    {
                        "wizard_id": self.id,
                        "account_id": account.id,
                        "account_code": account.code,
                        "sequence": sequence,
                        "bucket": bucket,
                        "amount": amount,
                        "currency_id": self.company_id.currency_id.id,
                        "record_ids": record_ids,
                        "record_domain": record_domain,
                    }
                )
        Line.create(values)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reconciliation with the General Ledger"),
            "res_model": Line._name,
            "view_mode": "list",
            "domain": [("wizard_id", "=", self.id)],
            "context": {"create": False},
            # shown when no part differs
            "help": Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>')
            % (
                self.env._(
                    "The ledger agrees with the inventory on every stock account "
                    "at %(date)s.",
                    date=engine._as_of_text(options),
                ),
                self.env._(
                    "Nothing differs: every journal item of a stock valuation "
                    "account matches the value of the stock it stands for."
                ),
            ),
        }
