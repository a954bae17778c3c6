#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the inventory valuation report, end to end.

Run with the project's virtualenv Python (``make bench`` does the set-up first):

    .venv/bin/python bench/valuation_bench.py [--products N] [--layers M]
                                              [--database DB] [--scale]

Without --database, a scratch database ``pcv_bench`` is created afresh with the
addon installed. Then N products (in 50 categories, 10 item groups) and M stock
valuation layers are added through SQL, and, best of --repeat interleaved rounds
each, on the same rows:

- sql: one hand-written SQL aggregate of the layers by product;
- native: Odoo's own ``_read_group`` of the layers by product (the one behind
  ``product.product.value_svl``);
- report: the engine's data method, detail level (``_get_valuation``);
- what-if: the same with the what-if columns;
- xlsx detail, html summary, html detail, pdf summary: what the user gets;
- what-if floor: the sort and the running sum alone that an exact FIFO / LIFO
  valuation needs beyond the data method (hand-written SQL);
- xlsx floor: xlsxwriter alone, writing as many cells as the detail, without
  data (a what-if and an XLSX detail cost at least the report plus their floor).

Each is printed with its ratio to the hand SQL, then the peak memory. ``--scale``
runs 100,000 products and 10,000,000 layers. The last line printed is
``RATIO report/sql=X.XX report/native=Y.YY``.
"""

import argparse
import io
import logging
import resource
import subprocess
import time

import xlsxwriter
from common import open_registry


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--layers", type=int, default=1000000)
    parser.add_argument("--database", help="existing scratch database to fill")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--no-fill",
        action="store_true",
        help="time an already filled --database as it is",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="100,000 products and 10,000,000 layers (overrides the sizes)",
    )
    return parser.parse_args()


def fill(env, products, layers):
    from odoo import Command
    from odoo.tools import SQL

    cr = env.cr
    company = env.company
    categories = env["product.category"].create(
        [{"name": f"Bench category {i}"} for i in range(50)]
    )
    run = int(time.time())  # codes stay unique when a database is filled twice
    groups = env["product.item.group"].create(
        [{"name": f"Bench group {i}", "code": f"BENCH{run}-{i}"} for i in range(10)]
    )
    model = env["product.product"].create(
        {
            "name": "Bench model",
            "is_storable": True,
            "categ_id": categories[0].id,
            "item_group_id": groups[0].id,
            "taxes_id": [Command.clear()],
        }
    )
    layer = env["stock.valuation.layer"].create(
        {
            "company_id": company.id,
            "product_id": model.id,
            "quantity": 1,
            "unit_cost": 1,
            "value": 1,
            "description": "Bench",
        }
    )
    env.flush_all()

    def columns(table):
        cr.execute(
            SQL(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name <> 'id'",
                table,
            )
        )
        return [name for (name,) in cr.fetchall()]

    def copy(table, source_id, count, overrides):
        names = columns(table)
        cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(cols)s) SELECT %(values)s"
                " FROM %(table)s s, generate_series(1, %(count)s) g"
                " WHERE s.id = %(id)s",
                table=SQL.identifier(table),
                cols=SQL(", ").join(SQL.identifier(name) for name in names),
                values=SQL(", ").join(
                    overrides.get(name, SQL("s.%s", SQL.identifier(name)))
                    for name in names
                ),
                count=count,
                id=source_id,
            )
        )

    company_key = str(company.id)
    copy(
        "product_template",
        model.product_tmpl_id.id,
        products,
        {
            "name": SQL("jsonb_build_object('en_US', 'Bench product ' || g)"),
            "categ_id": SQL(
                "(%s::int[])[1 + mod(g, %s)]", categories.ids, len(categories)
            ),
            "item_group_id": SQL(
                "jsonb_build_object(%s, (%s::int[])[1 + mod(g, %s)])",
                company_key,
                groups.ids,
                len(groups),
            ),
        },
    )
    names = columns("product_product")
    cr.execute(
        SQL(
            "INSERT INTO product_product (%(cols)s) SELECT %(values)s"
            " FROM product_product s, product_template t"
            " WHERE s.id = %(model)s AND t.id > %(model_tmpl)s",
            cols=SQL(", ").join(SQL.identifier(name) for name in names),
            values=SQL(", ").join(
                SQL("t.id")
                if name == "product_tmpl_id"
                else SQL("s.%s", SQL.identifier(name))
                for name in names
            ),
            model=model.id,
            model_tmpl=model.product_tmpl_id.id,
        )
    )
    cr.execute(SQL("SELECT array_agg(id) FROM product_product WHERE id > %s", model.id))
    product_ids = cr.fetchone()[0] or [model.id]
    # Mostly receipts, one in four a delivery, over the last two years.
    copy(
        "stock_valuation_layer",
        layer.id,
        layers,
        {
            "product_id": SQL(
                "(%s::int[])[1 + mod(g::bigint * 7919, %s)]",
                product_ids,
                len(product_ids),
            ),
            "quantity": SQL(
                "CASE WHEN mod(g, 4) = 0 THEN -(1 + mod(g, 3)) ELSE 1 + mod(g, 5) END"
            ),
            "unit_cost": SQL("5 + mod(g, 17)"),
            "value": SQL(
                "(CASE WHEN mod(g, 4) = 0 THEN -(1 + mod(g, 3)) ELSE 1 + mod(g, 5) END)"
                " * (5 + mod(g, 17))"
            ),
            "create_date": SQL("now() - (mod(g, 730)) * interval '1 day'"),
        },
    )
    env.invalidate_all()


def vacuum(database):
    """VACUUM ANALYZE the filled tables (outside any transaction), so that no
    autovacuum competes with the timings and every method reads settled pages."""
    subprocess.run(
        [
            "psql",
            "-q",
            "-d",
            database,
            "-c",
            "VACUUM ANALYZE stock_valuation_layer, product_product, product_template",
        ],
        check=True,
    )


def best_times(functions, repeat):
    """Best time and last result of each function over ``repeat`` rounds.

    One untimed round first: the first scan of freshly inserted rows also writes
    their hint bits, whichever method runs it. The rounds interleave the
    functions, so that a slow spell of the machine does not fall on one alone.
    """
    results = [function() for function in functions]
    best = [float("inf")] * len(functions)
    for _ in range(repeat):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            results[index] = function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best, results


def measurements(env, now):
    """{label: function} of what is timed, on the same rows."""
    from odoo import fields
    from odoo.tools import SQL

    cr = env.cr
    company = env.company
    engine = env["report.product_category_valuation.inventory_valuation"]
    xlsx = env["report.product_category_valuation.inventory_valuation_xlsx"]
    Report = env["ir.actions.report"]
    name = "product_category_valuation.inventory_valuation"

    def data(**values):
        return dict(
            {
                "date": fields.Datetime.to_string(now),
                "company_id": company.id,
                "group_by": "category",
                "level": "detail",
            },
            **values,
        )

    def hand_sql():
        cr.execute(
            SQL(
                "SELECT product_id, SUM(quantity), SUM(value)"
                " FROM stock_valuation_layer"
                " WHERE company_id = %s AND create_date <= %s"
                " GROUP BY product_id",
                company.id,
                now,
            )
        )
        return cr.fetchall()

    product_count = len(hand_sql())

    def what_if_floor():
        # the least an exact FIFO / LIFO valuation does beyond the data method:
        # sort the incoming layers by product and date, and run a sum over them,
        # with the settings the report runs its query with
        return engine._execute(
            SQL(
                "SELECT product_id, MAX(received) FROM ("
                " SELECT product_id, SUM(quantity::float8) OVER ("
                "  PARTITION BY product_id ORDER BY create_date, id"
                "  ROWS UNBOUNDED PRECEDING) AS received"
                " FROM stock_valuation_layer"
                " WHERE company_id = %s AND create_date <= %s AND quantity > 0"
                ") incoming GROUP BY product_id",
                company.id,
                now,
            )
        )

    def xlsx_floor():
        # xlsxwriter alone, writing as many cells as the detail, without data
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet()
        number = workbook.add_format({"num_format": "#,##0.00"})
        outline = {"level": 2}
        for row in range(product_count):
            sheet.set_row(row, None, None, outline)
            sheet.write_string(row, 0, f"Bench product {row}")
            for col in range(1, 4):
                sheet.write_string(row, col, f"Bench label {col}")
            for col in range(4, 7):
                sheet.write_number(row, col, row * 1.5, number)
        workbook.close()
        return buffer.getvalue()

    def native():
        return env["stock.valuation.layer"]._read_group(
            [("company_id", "=", company.id), ("create_date", "<=", now)],
            groupby=["product_id"],
            aggregates=["quantity:sum", "value:sum"],
        )

    def report():
        return engine._get_valuation(engine._get_options(data()))[0]

    def what_if():
        return engine._get_valuation(engine._get_options(data(show_what_if=True)))[0]

    def xlsx_detail():
        return xlsx._render_xlsx(data())

    def html_summary():
        return Report._render_qweb_html(name, [], data=data(level="summary"))[0]

    def html_detail():
        return Report._render_qweb_html(name, [], data=data())[0]

    def pdf_summary():
        return Report._render_qweb_pdf(name, data=data(level="summary"))[0]

    measured = {
        "sql": hand_sql,
        "native": native,
        "report": report,
        "what-if": what_if,
        "what-if floor": what_if_floor,
        "xlsx detail": xlsx_detail,
        "xlsx floor": xlsx_floor,
        "html summary": html_summary,
        "html detail": html_detail,
        "pdf summary": pdf_summary,
    }
    return measured


def fresh(env, function):
    """``function``, timed from an empty cache, as a new request would run it."""

    def timed():
        env.invalidate_all()
        return function()

    return timed


def main():
    args = parse_args()
    logging.getLogger("odoo.addons.base.models.ir_actions_report").setLevel(
        logging.ERROR
    )  # wkhtmltopdf's warnings about Debian's unpatched Qt, at every PDF
    if args.scale:
        args.products, args.layers = 100000, 10000000
    import odoo
    from odoo import api, fields

    database = args.database or "pcv_bench"
    registry = open_registry(database, fresh=not args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(user=admin.id, context={"lang": "en_US", "tz": "UTC"})
        if not args.no_fill:
            print(
                f"filling {database}: {args.products} products, "
                f"{args.layers} layers...",
                flush=True,
            )
        start = time.perf_counter()
        if not args.no_fill:
            fill(env, args.products, args.layers)
            cr.commit()
            vacuum(database)
        print(f"fill: {time.perf_counter() - start:.1f} s", flush=True)

        now = fields.Datetime.now()
        measured = measurements(env, now)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times, results = best_times(
            [fresh(env, function) for function in measured.values()], args.repeat
        )
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        best = dict(zip(measured, times, strict=True))
        sizes = dict(zip(measured, results, strict=True))
        for label, seconds in best.items():
            size = sizes[label]
            what = (
                f"{len(size)} rows" if isinstance(size, list) else f"{len(size)} bytes"
            )
            print(
                f"{label:>13}: {seconds * 1000:8.0f} ms"
                f"  {seconds / best['sql']:6.2f} x sql  ({what})"
            )
        print(
            f"memory: peak RSS {rss_after / 1024:.0f} MiB"
            f" (grew by {(rss_after - rss_before) / 1024:.0f} MiB)"
        )
        cr.rollback()
    print(
        f"RATIO report/sql={best['report'] / best['sql']:.2f}"
        f" report/native={best['report'] / best['native']:.2f}"
    )


if __name__ == "__main__":
    main()
