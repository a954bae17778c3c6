# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The report's options as a hand-made URL may carry them: every record named
must be the user's to see and the company's; every bad value is refused clearly,
through the engine and through the download route, before anything is
computed."""

import json
from datetime import date
from urllib.parse import urlencode

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RolesMixin

ENGINE = "report.product_category_valuation.inventory_valuation"
ROUTE = "/product_category_valuation/valuation.%s"
# option -> a bad value, and what the refusal says
BAD_VALUES = {
    "group_by": ("bogus", "group_by cannot be 'bogus'"),
    "level": ("bogus", "level cannot be 'bogus'"),
    "date_basis": ("bogus", "date_basis cannot be 'bogus'"),
    "date": ("yesterday-ish", "'yesterday-ish' is not a date"),
    "warehouse_ids": ("1,2", "warehouse_ids takes a list of record ids"),
    "location_ids": ([True], "location_ids takes a list of record ids"),
    "category_ids": (["1"], "category_ids takes a list of record ids"),
    "item_group_ids": (7, "item_group_ids takes a list of record ids"),
    "item_model_group_ids": ([2**40], "item_model_group_ids takes a list"),
    "include_zero": ("yes", "include_zero takes true or false"),
    "show_what_if": ([1], "show_what_if takes true or false"),
}

# as-of dates whose end of day, in some time zone, is beyond the calendar
OUT_OF_RANGE = ("9999-12-31", "9999-12-30", "9999-12-30 00:00:00", "0001-01-01")


class ForeignRecordsMixin(RolesMixin):
    """Company A (the users') and company B, each with a warehouse, an item group
    and an item model group; a user of both companies."""

    @classmethod
    def _setup_companies(cls):
        cls._setup_roles()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "PCV Company B"})
        cls.multi = new_test_user(
            cls.env,
            "pcv_multi_accountant",
            groups="account.group_account_user",
            company_id=cls.company_a.id,
            company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )
        cls.portal = new_test_user(cls.env, "pcv_portal", groups="base.group_portal")
        Warehouse = cls.env["stock.warehouse"]
        cls.records = {}
        for company in (cls.company_a, cls.company_b):
            warehouse = Warehouse.search([("company_id", "=", company.id)], limit=1)
            code = "A" if company == cls.company_a else "B"
            cls.records[code] = {
                "warehouse_ids": warehouse,
                "location_ids": warehouse.lot_stock_id,
                "item_group_ids": cls.env["product.item.group"].create(
                    {
                        "name": f"PCV Secret group {code}",
                        "code": f"SECRET-{code}",
                        "company_id": company.id,
                    }
                ),
                "item_model_group_ids": cls.env["product.item.model.group"].create(
                    {
                        "name": f"PCV Secret model {code}",
                        "code": f"MODEL-{code}",
                        "company_id": company.id,
                    }
                ),
            }
        cls.env["stock.location"].browse(
            cls.records["B"]["location_ids"].id
        ).name = "PCV Secret shelf B"
        cls.records["B"]["warehouse_ids"].name = "PCV Secret warehouse B"

    def _options(self, **values):
        return {"company_id": self.company_a.id, **values}

    def _foreign(self, option):
        return self.records["B"][option]


class TestOptionsThroughTheEngine(ForeignRecordsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_companies()

    def _engine(self, user):
        return self.env[ENGINE].with_user(user)

    def test_records_of_the_company_are_accepted(self):
        options = self._engine(self.accountant)._get_options(
            self._options(
                **{name: records.ids for name, records in self.records["A"].items()},
                category_ids=self.env.ref("product.product_category_all").ids,
            )
        )
        self.assertEqual(options["warehouses"], self.records["A"]["warehouse_ids"])
        self.assertEqual(options["item_groups"], self.records["A"]["item_group_ids"])
        self.assertEqual(options["locations"].env.uid, self.accountant.id)

    def test_foreign_records_are_refused_without_their_names(self):
        """A user of company A only, and a user of both companies, asking for
        A's valuation with B's records: refused, B's names never printed."""
        for user in (self.accountant, self.multi):
            for option in self.records["B"]:
                with self.subTest(user=user.login, option=option):
                    foreign = self._foreign(option)
                    with self.assertRefused(AccessError, "must exist") as caught:
                        self._engine(user)._get_report_data(
                            self._options(**{option: foreign.ids})
                        )
                    message = str(caught.exception)
                    self.assertNotIn(foreign.sudo().display_name, message)
                    self.assertNotIn("Secret", message)
                    self.assertNotIn(str(foreign.id), message)

    def test_records_that_do_not_exist_are_refused(self):
        for option in self.records["A"]:
            with self.subTest(option=option):
                with self.assertRefused(AccessError, "must exist"):
                    self._engine(self.accountant)._get_options(
                        self._options(**{option: [2**31 - 1]})
                    )

    def test_the_users_of_both_companies_value_each(self):
        for code, company in (("A", self.company_a), ("B", self.company_b)):
            report = self._engine(self.multi)._get_report_data(
                {
                    "company_id": company.id,
                    "warehouse_ids": self.records[code]["warehouse_ids"].ids,
                }
            )
            self.assertEqual(report["company"], company)

    def test_bad_values_are_refused_clearly(self):
        for option, (value, fragment) in BAD_VALUES.items():
            with self.subTest(option=option):
                with self.assertRefused(UserError, fragment):
                    self._engine(self.accountant)._get_report_data(
                        self._options(**{option: value})
                    )

    def test_days_beyond_the_calendar_are_refused(self):
        """A day whose end, or whose time zone's day, would fall outside the
        calendar is refused as such; the last one that does not is served."""
        self.accountant.tz = "Pacific/Kiritimati"  # UTC+14
        engine = self._engine(self.accountant)
        for value in OUT_OF_RANGE:
            with self.subTest(date=value):
                with self.assertRefused(UserError, f"{value!r} is out of range"):
                    engine._get_report_data(self._options(date=value))
        report = engine._get_report_data(self._options(date="9999-12-29 23:59:59"))
        self.assertEqual(report["options"]["local_date"], date(9999, 12, 30))

    def test_company_missing_or_of_the_wrong_type(self):
        engine = self._engine(self.accountant)
        with self.assertRefused(AccessError, "Choose the company") as caught:
            engine._get_report_data({})
        self.assertNotIn("None", str(caught.exception))
        for wrong in ("1", [self.company_a.id], True, 2**40, self.company_b.id):
            with self.subTest(company_id=wrong):
                with self.assertRefused(AccessError, "allowed companies") as caught:
                    engine._get_report_data({"company_id": wrong})
                self.assertNotIn("PCV Company B", str(caught.exception))
        with self.assertRefused(UserError, "named values"):
            engine._get_report_data([self.company_a.id])

    def test_a_missing_date_means_now(self):
        before = self.env.cr.now().replace(tzinfo=None)
        options = self._engine(self.accountant)._get_options(self._options())
        self.assertGreaterEqual(options["date"], before.replace(microsecond=0))
        self.assertTrue(options["precise"])

    def test_a_day_is_valued_at_its_end_in_the_users_time_zone(self):
        """A day alone (the form's default) is valued at its end, in the user's
        time zone: at 23:59:59 in Brussels (UTC+1 in January)."""
        engine = self._engine(self.accountant).with_context(tz="Europe/Brussels")
        options = engine._get_options(self._options(date="2026-01-05"))
        self.assertFalse(options["precise"])
        self.assertEqual(str(options["local_date"]), "2026-01-05")
        self.assertEqual(str(options["date"]), "2026-01-05 22:59:59")
        self.assertEqual(str(options["day_end"]), "2026-01-05 23:00:00")
        self.assertEqual(engine._as_of_text(options), "Jan 5, 2026, end of day")
        self.assertEqual(engine._creation_bound(options), ("<", options["day_end"]))
        self.assertNotIn("read to the end", engine._reconciliation_note(options))
        precise = engine._get_options(self._options(date="2026-01-05 10:00:00"))
        self.assertTrue(precise["precise"])
        self.assertEqual(str(precise["date"]), "2026-01-05 10:00:00")
        self.assertEqual(engine._creation_bound(precise), ("<=", precise["date"]))
        self.assertEqual(engine._as_of_text(precise), "Jan 5, 2026, 11:00:00 AM")
        note = engine._reconciliation_note(precise)
        self.assertIn("valued at Jan 5, 2026, 11:00:00 AM", note)
        self.assertIn("the ledger is read to the end of Jan 5, 2026", note)
        self.assertIn("Dated Across the As-of Date", note)

    def test_portal_users_are_refused(self):
        with self.assertRaises(AccessError):
            self._engine(self.portal)._get_report_data(self._options())


@tagged("post_install", "-at_install")
class TestOptionsThroughTheRoute(ForeignRecordsMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_companies()

    def _get(self, user, output="pdf", options=None, raw=None):
        self.authenticate(user.login, user.login)
        query = {}
        if raw is not None:
            query["options"] = raw
        elif options is not None:
            query["options"] = json.dumps(options)
        url = ROUTE % output
        with mute_logger("odoo.http"):
            return self.url_open(f"{url}?{urlencode(query)}" if query else url)

    def test_a_good_request_is_served(self):
        response = self._get(self.accountant, "html", self._options())
        self.assertEqual(response.status_code, 200)
        self.assertIn("Inventory Valuation", response.text)

    def test_missing_or_broken_json_is_a_bad_request(self):
        for raw in (None, "{not json", "", "[1,"):
            with self.subTest(raw=raw):
                response = (
                    self._get(self.accountant, "xlsx")
                    if raw is None
                    else self._get(self.accountant, "xlsx", raw=raw)
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("needs its options", response.text)

    def test_bad_values_are_bad_requests(self):
        for option, (value, fragment) in BAD_VALUES.items():
            with self.subTest(option=option):
                response = self._get(
                    self.accountant, "html", self._options(**{option: value})
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn(fragment.split("'")[0], response.text)
        response = self._get(self.accountant, "html", ["not", "a", "dict"])
        self.assertEqual(response.status_code, 400)
        for value in OUT_OF_RANGE:
            with self.subTest(date=value):
                response = self._get(self.accountant, "xlsx", self._options(date=value))
                self.assertEqual(response.status_code, 400)
                self.assertIn("is out of range", response.text)

    def test_foreign_records_are_forbidden_without_their_names(self):
        for output in ("pdf", "html", "xlsx"):
            for option in self.records["B"]:
                with self.subTest(output=output, option=option):
                    response = self._get(
                        self.accountant,
                        output,
                        self._options(**{option: self._foreign(option).ids}),
                    )
                    self.assertEqual(response.status_code, 403)
                    self.assertNotIn("Secret", response.text)

    def test_other_companies_and_portal_users_are_forbidden(self):
        response = self._get(self.accountant, "xlsx", {"company_id": self.company_b.id})
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("PCV Company B", response.text)
        response = self._get(self.accountant, "xlsx", {"company_id": None})
        self.assertEqual(response.status_code, 403)
        self.assertIn("Choose the company", response.text)
        for output in ("pdf", "html", "xlsx"):
            response = self._get(self.portal, output, self._options())
            self.assertEqual(response.status_code, 403, output)
            self.assertNotIn("Inventory Valuation by", response.text)


@tagged("post_install", "-at_install")
class TestDetailTooLongThroughTheRoute(ForeignRecordsMixin, HttpCase):
    """A hand-made URL of a detail longer than its output renders within a
    worker's limits is refused before any figure; the XLSX, the summary and a
    narrower detail are served."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_companies()
        cls.narrow = cls.env["product.category"].create({"name": "PCV Narrow"})
        stock = cls.records["A"]["location_ids"]
        for name, category in (("PCV Counted 1", cls.narrow), ("PCV Counted 2", None)):
            product = cls.env["product.product"].create(
                {
                    "name": name,
                    "is_storable": True,
                    "standard_price": 4.0,
                    **({"categ_id": category.id} if category else {}),
                }
            )
            cls.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": product.id,
                    "location_id": stock.id,
                    "inventory_quantity": 3,
                }
            ).action_apply_inventory()
        parameters = cls.env["ir.config_parameter"].sudo()
        for output in ("pdf", "html"):
            parameters.set_param(
                f"product_category_valuation.detail_rows_limit_{output}", "1"
            )

    def _get(self, output, **options):
        self.authenticate(self.accountant.login, self.accountant.login)
        query = urlencode({"options": json.dumps(self._options(**options))})
        with mute_logger("odoo.http"):
            return self.url_open(f"{ROUTE % output}?{query}")

    def test_refused_with_what_works(self):
        for output, name in (("pdf", "too many for a PDF"), ("html", "a web page")):
            with self.subTest(output=output):
                response = self._get(output, level="detail")
                self.assertEqual(response.status_code, 400)
                self.assertIn(name, response.text)
                self.assertIn("more than 1 products", response.text)
                self.assertIn("Export it to XLSX", response.text)

    def test_what_works_is_served(self):
        for output, options in (
            ("xlsx", {"level": "detail"}),
            ("pdf", {"level": "summary"}),
            ("html", {"level": "summary"}),
            ("pdf", {"level": "detail", "category_ids": self.narrow.ids}),
        ):
            with self.subTest(output=output, options=options):
                response = self._get(output, **options)
                self.assertEqual(response.status_code, 200)
                self.assertIn(f".{output}", response.headers["Content-Disposition"])
