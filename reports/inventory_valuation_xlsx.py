# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
from datetime import datetime

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from odoo import api, models


class InventoryValuationXlsx(models.AbstractModel):
    """The XLSX writer of the inventory valuation: the engine's data in, a
    workbook out (the rows on a first sheet, the reconciliation on a second)."""

    _name = "report.product_category_valuation.inventory_valuation_xlsx"
    _description = "Inventory Valuation Report (XLSX)"

    @api.model
    def _render_xlsx(self, data):
        """Return the XLSX file of the report (bytes), same rows as the PDF."""
        report = self.env[
            "report.product_category_valuation.inventory_valuation"
        ]._get_report_data(data)
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        styles = self._styles(workbook, report["currency"], report["quantity_digits"])
        self._write_valuation(workbook, styles, report)
        self._write_reconciliation(workbook, styles, report)
        workbook.close()
        return buffer.getvalue()

    @staticmethod
    def _number_format(digits):
        return f"#,##0{'.' + '0' * digits if digits else ''}"

    def _styles(self, workbook, currency, quantity_digits):
        amount = self._number_format(currency.decimal_places)
        symbol = currency.symbol.replace('"', "")
        money = (
            f'"{symbol}" {amount}'
            if currency.position == "before"
            else f'{amount} "{symbol}"'
        )
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "label": workbook.add_format({"bold": True}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            # a day, valued at its end
            "day": workbook.add_format(
                {
                    "num_format": 'yyyy-mm-dd "%s"'
                    % self.env._("(end of day)").replace('"', ""),
                    "align": "left",
                }
            ),
            "head": workbook.add_format({"bold": True, "bottom": 1}),
            "head_number": workbook.add_format(
                {"bold": True, "bottom": 1, "align": "right"}
            ),
            "text": workbook.add_format(),
            "quantity": workbook.add_format(
                {"num_format": self._number_format(quantity_digits)}
            ),
            "money": workbook.add_format({"num_format": money}),
            "highlight": workbook.add_format(
                {"num_format": money, "bold": True, "bg_color": "#F8D7DA"}
            ),
        }
        for kind in ("text", "quantity", "money"):
            styles[f"bold_{kind}"] = workbook.add_format(
                {"bold": True, "num_format": styles[kind].num_format or "General"}
            )
        return styles

    def _write_valuation(self, workbook, styles, report):
        sheet = workbook.add_worksheet(self.env._("Valuation"))
        header_row = self._write_valuation_head(sheet, styles, report)
        if not report["rows"]:
            sheet.write_string(
                header_row + 1,
                0,
                self.env._("No stock is valued at this date with these filters."),
            )
            return
        last_row = self._write_valuation_rows(
            workbook, sheet, styles, report, header_row
        )
        # the total (the last row) stays out of the filter's range: always
        # shown, its SUBTOTAL formulas add up what the filter leaves; the last
        # column (the row's kind) lets the filter leave the products alone
        sheet.autofilter(header_row, 0, last_row - 1, len(report["columns"]) + 1)
        if report["units_note"]:
            sheet.write_string(last_row + 2, 0, report["units_note"])
        self._print_setup(sheet, header_row)

    def _write_valuation_head(self, sheet, styles, report):
        """The title, the first-page block and the column titles; returns the
        row of the column titles."""
        sheet.write_string(0, 0, report["title"], styles["title"])
        row_index = 1
        for (label, text), value in zip(
            report["header"], report["header_values"], strict=True
        ):
            sheet.write_string(row_index, 0, label, styles["label"])
            if value is None:
                sheet.write_string(row_index, 1, text)
            else:
                style = styles["date" if isinstance(value, datetime) else "day"]
                sheet.write_datetime(row_index, 1, value, style)
            row_index += 1
        if report["future_date"]:
            sheet.write_string(
                row_index,
                0,
                self.env._("The as-of date is in the future."),
                styles["label"],
            )
            row_index += 1
        row_index += 1
        columns = report["columns"]
        header_row = row_index
        first_title = (
            self.env._("Category / Product")
            if report["options"]["group_by"] == "category"
            else self.env._("Group / Product")
        )
        sheet.write_string(header_row, 0, first_title, styles["head"])
        for col, (_key, title, kind) in enumerate(columns, start=1):
            sheet.write_string(
                header_row,
                col,
                title,
                styles["head"] if kind == "text" else styles["head_number"],
            )
        sheet.write_string(
            header_row, len(columns) + 1, self.env._("Row"), styles["head"]
        )
        sheet.freeze_panes(header_row + 1, 1)
        sheet.set_column(0, 0, 50)
        sheet.set_column(1, len(columns), 16)
        sheet.set_column(len(columns) + 1, len(columns) + 1, 10)
        return header_row

    def _write_valuation_rows(self, workbook, sheet, styles, report, header_row):
        """The rows under the column titles; returns the last row written."""
        columns = report["columns"]
        # one tight loop for tens of thousands of rows: what each row writes, and
        # with which style, is decided once per kind of row
        texts = [
            (col, key)
            for col, (key, _title, kind) in enumerate(columns, start=1)
            if kind == "text"
        ]
        numbers = {
            strong: [
                (col, key, styles[f"{'bold_' if strong else ''}{kind}"])
                for col, (key, _title, kind) in enumerate(columns, start=1)
                if kind != "text"
            ]
            for strong in (False, True)
        }
        label_styles = {}  # (strong, level): a label indented by its cell format
        outline = [{"level": level} for level in range(8)]
        write_string, write_number = sheet.write_string, sheet.write_number
        # in detail, each subtotal is a SUBTOTAL formula over the rows of its
        # section (which ignores the nested ones): a filtered sheet adds up
        formulas = report["options"]["level"] == "detail"
        kind_column = len(columns) + 1
        kinds = {
            "group": self.env._("Heading"),
            "product": self.env._("Product"),
            "subtotal": self.env._("Subtotal"),
            "total": self.env._("Total"),
        }
        sections = []  # the first row of each open section, by its heading
        first_row = row_index = header_row + 1
        for row in report["rows"]:
            kind, level = row["kind"], row["level"]
            strong = kind != "product"
            label = row["label"]
            if row.get("is_view"):
                label = self.env._("%(label)s (View)", label=label)
            # the layout's levels step one at a time (a product one below its
            # group's rows): Excel's outline folds every group alike
            sheet.set_row(row_index, None, None, outline[min(level, 7)])
            if (strong, level) not in label_styles:
                label_styles[strong, level] = workbook.add_format(
                    {"bold": strong, "indent": level}
                )
            write_string(row_index, 0, label, label_styles[strong, level])
            write_string(row_index, kind_column, kinds[kind])
            if kind == "group":
                sections.append(row_index + 1)
            elif kind == "product":
                for col, key in texts:
                    if value := row[key]:
                        write_string(row_index, col, value)
                for col, key, style in numbers[False]:
                    value = row.get(key)
                    if value is not None:
                        write_number(row_index, col, value, style)
            else:
                for col, key in texts:
                    if value := row.get(key):  # the unit its products share
                        write_string(row_index, col, value, styles["bold_text"])
                start = first_row if kind == "total" else None
                if formulas and kind == "subtotal" and sections:
                    start = sections.pop()
                for col, key, style in numbers[True]:
                    value = row.get(key)
                    if value is None:
                        continue
                    if formulas and start is not None and start < row_index:
                        sheet.write_formula(
                            row_index,
                            col,
                            "=SUBTOTAL(9,%s:%s)"
                            % (
                                xl_rowcol_to_cell(start, col),
                                xl_rowcol_to_cell(row_index - 1, col),
                            ),
                            style,
                            value,
                        )
                    else:
                        write_number(row_index, col, value, style)
            row_index += 1
        return row_index - 1

    @staticmethod
    def _print_setup(sheet, header_row):
        """A4 landscape, one page wide, the column titles on every page."""
        sheet.set_paper(9)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(header_row)

    def _write_reconciliation(self, workbook, styles, report):
        sheet = workbook.add_worksheet(self.env._("Reconciliation"))
        sheet.write_string(
            0, 0, self.env._("Reconciliation with the General Ledger"), styles["title"]
        )
        if report["reconciliation_scope"]:
            sheet.write_string(1, 0, report["reconciliation_scope"])
        # (key of a reconciliation row, title) of the amount columns, then of its
        # parts; the difference is highlighted where it is not 0
        columns = [
            ("ledger_balance", self.env._("Ledger Balance")),
            ("report_value", self.env._("Inventory Value")),
            ("difference", self.env._("Difference")),
        ]
        parts = report["bucket_titles"]
        sheet.write_string(2, 0, self.env._("Stock Valuation Account"), styles["head"])
        for col, (_key, title) in enumerate(columns + parts, start=1):
            sheet.write_string(2, col, title, styles["head"])
        sheet.freeze_panes(3, 1)
        sheet.set_column(0, 0, 45)
        sheet.set_column(1, len(columns) + len(parts), 18)
        for row_index, rec in enumerate(report["reconciliation"], start=3):
            sheet.write_string(row_index, 0, rec["account_name"])
            cells = [(key, rec[key]) for key, _title in columns]
            cells += [(key, rec["parts"][key]) for key, _title in parts]
            for col, (key, amount) in enumerate(cells, start=1):
                highlight = key == "difference" and amount
                sheet.write_number(
                    row_index,
                    col,
                    amount,
                    styles["highlight"] if highlight else styles["money"],
                )
        last_row = 2 + len(report["reconciliation"])
        sheet.autofilter(2, 0, last_row, len(columns) + len(parts))
        sheet.write_string(last_row + 2, 0, report["reconciliation_note"])
        self._print_setup(sheet, 2)
