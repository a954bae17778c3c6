# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The set-up of the valuation report and reconciliation tests."""

import io
import zipfile
from datetime import datetime, timedelta

from lxml import etree

from odoo import fields
from odoo.tools import SQL, float_round

from .common import date_layers
from .common_item_group import ItemGroupCase, OtherAccountCase

T0 = datetime(2026, 1, 5, 8, 0)
REPORT = "product_category_valuation.inventory_valuation"


def what_if_oracle(layers, digits=2):
    """FIFO, LIFO and average values of the stock of ``layers`` (one product's,
    in the order they came), from the value of the stock received: the last
    units received for FIFO, the first ones for LIFO; what no receipt covers at
    the average cost of all of them.

    A receipt's value lies on its own units; a layer that only adds value on
    the units it adds value to when it is made: its receipt's units still on
    hand (a landed cost, a price difference), else every unit on hand at the
    unit cost rounded to ``digits``, the last receipt's units taking the rest
    (the Revaluation wizard), else the units gone (a value of units that are
    no longer there)."""
    receipts, pieces = {}, []
    received = onhand = last = 0.0
    for layer in layers:
        quantity, value = layer.quantity, layer.value
        kept = min(max(onhand, 0.0), received)
        gone = received - kept
        if quantity > 0:
            receipts[layer.id] = (received, received + quantity)
            pieces.append((received, quantity, value))
            received += quantity
            last = quantity
        elif quantity == 0 and value:
            start, end = receipts.get(layer.stock_valuation_layer_id.id, (0.0, 0.0))
            start, end = max(start, gone), min(end, received)
            if end > start:
                pieces.append((start, end - start, value))
            elif not layer.stock_valuation_layer_id and kept > 0:
                rest = min(last, kept)
                unit = float_round(value / kept, precision_digits=digits)
                pieces.append((gone, kept - rest, unit * (kept - rest)))
                pieces.append((received - rest, rest, value - unit * (kept - rest)))
            else:
                pieces.append((0.0, gone, value))
        onhand += quantity

    def share(start, length, point):
        if length > 0:
            return min(max((point - start) / length, 0.0), 1.0)
        return float(point > start)

    kept = min(max(onhand, 0.0), received)
    incoming = sum(layer.value for layer in layers if layer.quantity >= 0)
    average = incoming / received if received else 0.0
    beyond = (onhand - kept) * average
    return {
        "fifo_value": beyond
        + sum(
            value
            * (share(start, length, received) - share(start, length, received - kept))
            for start, length, value in pieces
        ),
        "lifo_value": beyond
        + sum(value * share(start, length, kept) for start, length, value in pieces),
        "average_value": onhand * average,
    }


class ValuationReportCase(ItemGroupCase):
    """History (one hour apart, in this order):

    FIFO desk (item group FURN): +10 @ 5, +10 @ 8, -12, +3 returned by the customer
    AVCO chair (item group FURN): +10 @ 10, +10 @ 20, -4
    Standard lamp (no item group): +5 @ 7, cost changed to 9

    Categories: PCV Valuation (View) > PCV FIFO, PCV AVCO, PCV Standard.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.root = Category.create({"name": "PCV Valuation", "category_type": "view"})
        (cls.fifo_categ | cls.avco_categ).parent_id = cls.root
        cls.std_categ = Category.create(
            {
                "name": "PCV Standard",
                "parent_id": cls.root.id,
                "property_cost_method": "standard",
                "property_valuation": "real_time",
                "property_stock_valuation_account_id": cls.categ_valuation.id,
                "property_stock_account_input_categ_id": cls.categ_input.id,
                "property_stock_account_output_categ_id": cls.categ_output.id,
            }
        )
        cls.std_product = cls.env["product.product"].create(
            {
                "name": "PCV Standard lamp",
                "is_storable": True,
                "categ_id": cls.std_categ.id,
                "standard_price": 7.0,
            }
        )
        cls.fifo_in_1 = cls._receive(cls.fifo_product, 10, 5.0)
        cls.fifo_in_2 = cls._receive(cls.fifo_product, 10, 8.0)
        cls.fifo_out = cls._deliver(cls.fifo_product, 12)
        cls.fifo_return = cls._move(
            cls.fifo_product,
            3,
            cls.customer_location,
            cls.stock_location,
            origin_returned_move_id=cls.fifo_out.id,
        )
        cls._receive(cls.avco_product, 10, 10.0)
        cls._receive(cls.avco_product, 10, 20.0)
        cls._deliver(cls.avco_product, 4)
        cls._receive(cls.std_product, 5, 7.0)
        cls.std_product.standard_price = 9.0
        # Spread the layers (and their entries) over time, one hour apart.
        cls.env.flush_all()
        layers = cls.env["stock.valuation.layer"].search(
            [("product_id", "in", cls.products().ids)], order="id"
        )
        date_layers(
            cls.env,
            {layer: T0 + timedelta(hours=hour) for hour, layer in enumerate(layers)},
        )
        cls.layer_count = len(layers)

    @classmethod
    def products(cls):
        return cls.fifo_product | cls.avco_product | cls.std_product

    def _wizard(self, user=None, **values):
        """The report's form; a ``date`` given is a precise time."""
        if "date" in values:
            values.setdefault("precise_time", True)
        Wizard = self.env["product.category.valuation.wizard"]
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.create(values)

    def _engine(self, user=None):
        Engine = self.env["report.product_category_valuation.inventory_valuation"]
        return Engine.with_user(user) if user else Engine

    def _data(self, user=None, **values):
        """The report's data as the wizard passes it to the engine."""
        return self._wizard(user=user, **values)._prepare_report_data()

    def _report(self, user=None, **values):
        return self._engine(user)._get_report_data(self._data(user=user, **values))

    @staticmethod
    def _xlsx_sheets(content):
        """{sheet name: ({(row number, column letters): str or float}, xml)}."""
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        sheets = {}
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            shared = [
                "".join(si.itertext())
                for si in etree.fromstring(archive.read("xl/sharedStrings.xml")).xpath(
                    "//m:si", namespaces=ns
                )
            ]
            workbook = etree.fromstring(archive.read("xl/workbook.xml"))
            names = [sheet.get("name") for sheet in workbook.findall(".//m:sheet", ns)]
            for index, name in enumerate(names, start=1):
                sheet = etree.fromstring(
                    archive.read(f"xl/worksheets/sheet{index}.xml")
                )
                cells = {}
                for cell in sheet.xpath("//m:c", namespaces=ns):
                    ref = cell.get("r")
                    col = ref.rstrip("0123456789")
                    row = int(ref[len(col) :])
                    value = cell.findtext("m:v", namespaces=ns)
                    if value is None:
                        continue
                    cells[(row, col)] = (
                        shared[int(value)].strip()
                        if cell.get("t") == "s"
                        else float(value)
                    )
                sheets[name] = (cells, sheet)
        return sheets

    def _render(self, output, data, user=None):
        """The report as ``output`` (pdf, html or xlsx), as the download route
        renders it."""
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        if output == "xlsx":
            return (
                self.env["report.product_category_valuation.inventory_valuation_xlsx"]
                .with_user(user or self.env.user)
                ._render_xlsx(data)
            )
        if output == "pdf":
            return Report.with_context(force_report_rendering=True)._render_qweb_pdf(
                REPORT, data=data
            )[0]
        return Report._render_qweb_html(REPORT, [], data=data)[0]

    def _lines(self, **values):
        engine = self._engine()
        options = engine._get_options(self._data(**values))
        lines = engine._get_valuation(options)[0]
        return {line["product_id"]: line for line in lines}


class ReconciliationCase(OtherAccountCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engine = cls.env["report.product_category_valuation.inventory_valuation"]

    def _reconcile(self, date=None, **values):
        data = {
            "company_id": self.company.id,
            "date": fields.Datetime.to_string(date or fields.Datetime.now()),
            "level": "summary",
            **values,
        }
        report = self.engine._get_report_data(data)
        rows = {rec["account"]: rec for rec in report["reconciliation"]}
        for rec in rows.values():
            self.assertAlmostEqual(
                sum(rec["buckets"].values()),
                rec["difference"],
                2,
                f"the buckets of {rec['account_name']} add up to its difference",
            )
        return rows

    def _figures(self, rec):
        return (rec["ledger_balance"], rec["report_value"], rec["difference"])

    def _layer(self, value, quantity=0, **values):
        """A layer of the FIFO product made by hand, as a revaluation or a landed
        cost leaves one before (or without) its posting."""
        return self.env["stock.valuation.layer"].create(
            {
                "company_id": self.company.id,
                "product_id": self.fifo_product.id,
                "quantity": quantity,
                "value": value,
                **values,
            }
        )

    def _periodic_product(self, name, account):
        """A storable product of a new FIFO category valued periodically, whose
        stock valuation account is ``account``."""
        category = self.env["product.category"].create(
            {
                "name": f"PCV Periodic {name}",
                "property_cost_method": "fifo",
                "property_valuation": "manual_periodic",
                "property_stock_valuation_account_id": account.id,
            }
        )
        return self.env["product.product"].create(
            {
                "name": f"PCV Periodic {name}",
                "is_storable": True,
                "categ_id": category.id,
            }
        )

    def _regroup_behind_the_orm(self, product, group):
        """Give ``product`` the item group ``group`` in SQL, as an import that
        bypasses the ORM would: nothing moves its value on hand."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE product_template SET item_group_id = item_group_id"
                " || jsonb_build_object(%s, %s) WHERE id = %s",
                str(self.company.id),
                group.id,
                product.product_tmpl_id.id,
            )
        )
        self.env.invalidate_all()
