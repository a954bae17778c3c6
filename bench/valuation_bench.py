#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the inventory valuation report, end to end.

Run with the project's virtualenv Python (``make bench`` does the set-up first):

    .venv/bin/python bench/valuation_bench.py [--products N] [--layers M]
                                              [--database DB] [--scale]

Without --database, a scratch database ``pcv_bench`` is created afresh with the
addon installed. Then N products (in 50 categories, half of them valued in
real time, 10 item groups) and M stock valuation layers are added through SQL,
each layer of a real-time product with its posted journal entry (two journal
items), and, in --repeat interleaved rounds (11), on the same rows:

- sql: one hand-written SQL aggregate of the layers by product;
- ledger floor: one hand-written SQL sum of the stock accounts' journal items by
  account, with their link to layers (the ledger side of the reconciliation);
- native: Odoo's own ``_read_group`` of the layers by product (the one behind
  ``product.product.value_svl``);
- report: the engine's data method, detail level (``_get_valuation``);
- reconciliation: the engine's reconciliation alone (``_get_reconciliation``);
- report data: everything the outputs show (``_get_report_data``);
- what-if: the data method with the what-if columns;
- xlsx detail, html summary, html detail, pdf summary: what the user gets;
- what-if floor: the sort and the running sum alone that an exact FIFO / LIFO
  valuation needs beyond the data method (hand-written SQL);
- xlsx floor: xlsxwriter alone, writing as many cells as the detail, without
  data (an XLSX detail costs at least the report data plus this floor).

Each is printed with its best time and its ratio to the hand SQL's, then the
peak memory, then ``RATIO reconciliation/ledger-floor=X.XX data/floors=Y.YY
xlsx/floor=Z.ZZ`` (the report data against the sum of the two SQL floors, the
XLSX against the report data plus its floor). Each figure is measured right
after what it is compared with, and a RATIO is the median, over the rounds, of
the ratio within each round: a slow spell of the machine then weighs on both
sides, where the best times of each could come from different spells.
``--scale`` runs 100,000 products and 10,000,000 layers.

Then (unless ``--no-closings``) it closes the last 24 months one by one, each
closing computed from the previous one, and times, against the hand SQL in the
same interleaved rounds, the data method at today and a year before and the
what-if columns and the whole report data (with its reconciliation), each
starting from the latest closing before its date; it prints ``RATIO
closed/sql=… closed-mid/sql=… whatif-closed/sql=… closing/sql=…
closed-data/sql=… closing-floor/sql=…`` (closing: the median time of a monthly
closing; closing floor: the writing alone of what the latest monthly closing
wrote, its lines and receipts inserted into bare copies of their tables, without
foreign keys: what a monthly closing costs at least). The closings are rolled
back. The last line printed is ``RATIO report/sql=X.XX
report/native=Y.YY`` (without closings).
"""

import argparse
import gc
import io
import logging
import resource
import time

import xlsxwriter
from common import copy_rows, open_registry, vacuum


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--layers", type=int, default=1000000)
    parser.add_argument("--database", help="existing scratch database to fill")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument(
        "--no-fill",
        action="store_true",
        help="time an already filled --database as it is",
    )
    parser.add_argument(
        "--no-closings",
        action="store_true",
        help="skip the monthly closings and the figures that start from them",
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
    Account = env["account.account"]
    run = int(time.time())  # codes stay unique when a database is filled twice
    stock, stock_in, stock_out = (
        Account.create(
            {
                "name": f"Bench {name}",
                "code": f"B{run % 10**6}{i}",
                "account_type": kind,
            }
        )
        for i, (name, kind) in enumerate(
            (
                ("stock", "asset_current"),
                ("stock input", "liability_current"),
                ("stock output", "liability_current"),
            )
        )
    )
    # half the categories valued in real time: their layers have journal entries
    categories = env["product.category"].create(
        [
            {"name": f"Bench category {i}"}
            | (
                {
                    "property_valuation": "real_time",
                    "property_stock_valuation_account_id": stock.id,
                    "property_stock_account_input_categ_id": stock_in.id,
                    "property_stock_account_output_categ_id": stock_out.id,
                }
                if i % 2
                else {}
            )
            for i in range(50)
        ]
    )
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

    company_key = str(company.id)
    copy_rows(
        cr,
        "product_template",
        model.product_tmpl_id.id,
        SQL("generate_series(1, %s) g", products),
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
    copy_rows(
        cr,
        "product_product",
        model.id,
        SQL(
            "(SELECT id FROM product_template WHERE id > %s) t",
            model.product_tmpl_id.id,
        ),
        {"product_tmpl_id": SQL("t.id")},
    )
    cr.execute(SQL("SELECT array_agg(id) FROM product_product WHERE id > %s", model.id))
    product_ids = cr.fetchone()[0] or [model.id]
    # Mostly receipts, one in four a delivery, over the last two years.
    copy_rows(
        cr,
        "stock_valuation_layer",
        layer.id,
        SQL("generate_series(1, %s) g", layers),
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
    real_time = categories.filtered(
        lambda category: category.property_valuation == "real_time"
    )
    add_entries(env, layer, real_time, stock, stock_in)
    env.invalidate_all()


def add_entries(env, layer, real_time, stock, counterpart):
    """A posted journal entry for every layer of a real-time product, as Odoo's
    perpetual valuation makes it: the layer's value on the stock account, its
    opposite on the counterpart, dated on the layer's day. Copies of one entry
    made by Odoo, through SQL."""
    from odoo import Command
    from odoo.tools import SQL

    cr = env.cr
    journal = env["account.journal"].search(
        [("type", "=", "general"), ("company_id", "=", env.company.id)], limit=1
    )
    model = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "line_ids": [
                Command.create({"account_id": stock.id, "balance": 1.0}),
                Command.create({"account_id": counterpart.id, "balance": -1.0}),
            ],
        }
    )
    model.action_post()
    env.flush_all()

    # one entry per layer of a real-time product, named after its layer
    layers = SQL(
        "SELECT svl.id, svl.value, svl.create_date::date AS day"
        " FROM stock_valuation_layer svl"
        " JOIN product_product p ON p.id = svl.product_id"
        " JOIN product_template t ON t.id = p.product_tmpl_id"
        " WHERE svl.id > %s AND t.categ_id = ANY(%s)",
        layer.id,
        real_time.ids,
    )
    copy_rows(
        cr,
        "account_move",
        model.id,
        SQL("(%s) src", layers),
        {
            "name": SQL("'BENCH/' || src.id"),
            "ref": SQL("src.id::text"),
            "date": SQL("src.day"),
            "invoice_date": SQL("NULL"),
        },
    )
    cr.execute(
        SQL(
            "UPDATE stock_valuation_layer svl SET account_move_id = am.id"
            " FROM account_move am"
            " WHERE am.id > %s AND am.ref = svl.id::text",
            model.id,
        )
    )
    for line in model.line_ids:
        sign = 1 if line.account_id == stock else -1
        copy_rows(
            cr,
            "account_move_line",
            line.id,
            SQL(
                "(SELECT am.id, am.name, am.date, svl.value"
                " FROM account_move am"
                " JOIN stock_valuation_layer svl ON svl.account_move_id = am.id"
                " WHERE am.id > %s) src",
                model.id,
            ),
            {
                "move_id": SQL("src.id"),
                "move_name": SQL("src.name"),
                "date": SQL("src.date"),
                "balance": SQL("%s * src.value", sign),
                "amount_currency": SQL("%s * src.value", sign),
                "debit": SQL("GREATEST(%s * src.value, 0)", sign),
                "credit": SQL("GREATEST(-%s * src.value, 0)", sign),
                "amount_residual": SQL("%s * src.value", sign)
                if line.account_id.reconcile
                else SQL("0"),
                "amount_residual_currency": SQL("%s * src.value", sign)
                if line.account_id.reconcile
                else SQL("0"),
            },
        )


def best_times(functions, repeat):
    """Best time, the time of every round and last result of each function over
    ``repeat`` rounds.

    One untimed round first: the first scan of freshly inserted rows also writes
    their hint bits, whichever method runs it. The rounds interleave the
    functions, so that a slow spell of the machine does not fall on one alone.
    Python's garbage is collected, untimed, before each function: otherwise a
    full collection of the process, made due by the garbage of the functions
    before (the HTML of 20,000 rows), falls on whichever function allocates
    next.
    """
    results = [function() for function in functions]
    rounds = [[] for _function in functions]
    for _ in range(repeat):
        for index, function in enumerate(functions):
            gc.collect()
            start = time.perf_counter()
            results[index] = function()
            rounds[index].append(time.perf_counter() - start)
    return [min(times) for times in rounds], rounds, results


def ratio(rounds, numerator, *denominators):
    """The median, over the rounds, of the time of ``numerator`` over the sum of
    those of ``denominators`` in the same round (``rounds``: {label: [time of
    each round]}): measured side by side, a slow spell of the machine weighs on
    both sides of a round, where the best times of each may come from
    different spells."""
    ratios = sorted(
        rounds[numerator][index] / sum(rounds[label][index] for label in denominators)
        for index in range(len(rounds[numerator]))
    )
    middle = len(ratios) // 2
    if len(ratios) % 2:
        return ratios[middle]
    return (ratios[middle - 1] + ratios[middle]) / 2


def report_data(env, now):
    """The report's data as the wizard passes it, at ``now``."""
    from odoo import fields

    def data(**values):
        return dict(
            {
                "date": fields.Datetime.to_string(now),
                "company_id": env.company.id,
                "group_by": "category",
                "level": "detail",
            },
            **values,
        )

    return data


def floors(env, now):
    """{label: function} of what the report must cost at least, by hand: the
    layers summed by product (sql), the stock accounts' journal items summed by
    account with their link to layers (ledger floor), the sort and running sum of
    an exact FIFO / LIFO (what-if floor), xlsxwriter writing as many cells as the
    detail without data (xlsx floor)."""
    from odoo.tools import SQL

    cr = env.cr
    company = env.company
    engine = env["report.product_category_valuation.inventory_valuation"]
    options = engine._get_options(report_data(env, now)(level="summary"))
    stock_accounts = engine._stock_accounts(
        options, engine._get_valuation(options)[3]
    ).ids

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

    def ledger_floor():
        cr.execute(
            SQL(
                "SELECT aml.account_id, SUM(aml.balance),"
                " SUM(aml.balance) FILTER (WHERE l.move_id IS NOT NULL)"
                " FROM account_move_line aml"
                # the entries of layers from their index alone, as the report
                # reads them (an entry and its layers share their company)
                " LEFT JOIN (SELECT DISTINCT account_move_id AS move_id"
                "  FROM stock_valuation_layer WHERE account_move_id IS NOT NULL"
                " ) l ON l.move_id = aml.move_id"
                " WHERE aml.account_id = ANY(%(accounts)s)"
                " AND aml.company_id = %(company)s"
                " AND aml.parent_state = 'posted' AND aml.date <= %(date)s"
                " GROUP BY aml.account_id",
                company=company.id,
                accounts=stock_accounts,
                date=now.date(),
            )
        )
        return cr.fetchall()

    def what_if_floor():
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
            # the row's kind, which the detail writes last for its filter
            sheet.write_string(row, 7, "Product")
        workbook.close()
        return buffer.getvalue()

    return {
        "sql": hand_sql,
        "ledger floor": ledger_floor,
        "what-if floor": what_if_floor,
        "xlsx floor": xlsx_floor,
    }


# the order the figures are measured in, each round: every figure right after
# what its ratio compares it with
ORDER = (
    "sql",
    "ledger floor",
    "report data",
    "reconciliation",
    "report",
    "native",
    "xlsx floor",
    "xlsx detail",
    "what-if floor",
    "what-if",
    "html summary",
    "html detail",
    "pdf summary",
)


def outputs(env, now):
    """{label: function} of what the addon and Odoo compute, on the same rows:
    Odoo's own read_group of the layers (native), the engine's data method
    (report), its reconciliation alone, the whole report data, and what the
    user gets."""
    engine = env["report.product_category_valuation.inventory_valuation"]
    xlsx = env["report.product_category_valuation.inventory_valuation_xlsx"]
    Report = env["ir.actions.report"]
    name = "product_category_valuation.inventory_valuation"
    data = report_data(env, now)
    options = engine._get_options(data(level="summary"))
    accounts = engine._get_valuation(options)[3]

    def native():
        return env["stock.valuation.layer"]._read_group(
            [("company_id", "=", env.company.id), ("create_date", "<=", now)],
            groupby=["product_id"],
            aggregates=["quantity:sum", "value:sum"],
        )

    return {
        "native": native,
        "report": lambda: engine._get_valuation(engine._get_options(data()))[0],
        "reconciliation": lambda: engine._get_reconciliation(options, accounts),
        "report data": lambda: engine._get_report_data(data())["rows"],
        "what-if": lambda: engine._get_valuation(
            engine._get_options(data(show_what_if=True))
        )[0],
        "xlsx detail": lambda: xlsx._render_xlsx(data()),
        "html summary": lambda: Report._render_qweb_html(
            name, [], data=data(level="summary")
        )[0],
        "html detail": lambda: Report._render_qweb_html(name, [], data=data())[0],
        "pdf summary": lambda: Report._render_qweb_pdf(
            name, data=data(level="summary")
        )[0],
    }


def close_months(env, now, months):
    """Monthly inventory closings over the history (the last day of each of the
    ``months`` months before ``now``'s, oldest first), each computed from the
    previous one; the time each took."""
    from datetime import timedelta

    ends = []
    day = now.date().replace(day=1)
    for _ in range(months):
        day -= timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    Closing = env["stock.valuation.closing"]
    seconds = []
    for end in reversed(ends):
        closing = Closing.create({"date": end, "justification": "Bench"})
        env.flush_all()
        start = time.perf_counter()
        closing.action_close()
        env.flush_all()
        seconds.append(time.perf_counter() - start)
    return seconds


def closing_write_floor(env, closing):
    """What a monthly closing costs at least: the writing alone of what
    ``closing`` wrote (its lines and receipts, as they are, inserted into bare
    copies of their tables: their columns and indexes, no foreign key), in a
    savepoint rolled back."""
    cr = env.cr
    for table, copy in (
        ("stock_valuation_closing_line", "bench_lines"),
        ("stock_valuation_closing_receipt", "bench_receipts"),
    ):
        cr.execute(
            f"CREATE TEMP TABLE {copy}_source AS"
            f" SELECT * FROM {table} WHERE closing_id = %s;"
            f" CREATE TEMP TABLE {copy} (LIKE {table} INCLUDING INDEXES)",
            [closing.id],
        )

    def write():
        cr.execute(
            "SAVEPOINT bench_closing_floor;"
            " INSERT INTO bench_lines SELECT * FROM bench_lines_source;"
            " INSERT INTO bench_receipts SELECT * FROM bench_receipts_source;"
            " SELECT (SELECT COUNT(*) FROM bench_lines)"
            " + (SELECT COUNT(*) FROM bench_receipts)"
        )
        rows = cr.fetchone()[0]
        cr.execute("ROLLBACK TO SAVEPOINT bench_closing_floor")
        return [None] * rows

    return write


def closed_outputs(env, now):
    """{label: function} of the figures once the periods are closed: the data
    method at ``now`` and a year before, with the what-if columns, and the
    whole report data (its reconciliation too) at ``now``, each starting from
    the latest closing before its date."""
    from datetime import timedelta

    engine = env["report.product_category_valuation.inventory_valuation"]
    data = report_data(env, now)
    year_before = report_data(env, now - timedelta(days=365))
    return {
        "closed": lambda: engine._get_valuation(engine._get_options(data()))[0],
        "closed mid": lambda: engine._get_valuation(engine._get_options(year_before()))[
            0
        ],
        "closed what-if": lambda: engine._get_valuation(
            engine._get_options(data(show_what_if=True))
        )[0],
        "closed data": lambda: engine._get_report_data(data())["rows"],
    }


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
            vacuum(
                database,
                "stock_valuation_layer, product_product, product_template,"
                " account_move, account_move_line",
            )
        print(f"fill: {time.perf_counter() - start:.1f} s", flush=True)

        now = fields.Datetime.now()
        measured = floors(env, now) | outputs(env, now)
        # each figure next to what it is compared with, in every round
        measured = {label: measured[label] for label in ORDER}
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times, rounds, results = best_times(
            [fresh(env, function) for function in measured.values()], args.repeat
        )
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        best = dict(zip(measured, times, strict=True))
        rounds = dict(zip(measured, rounds, strict=True))
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
        closed = {}
        if not args.no_closings:
            seconds = close_months(env, now, 24)
            engine = env["report.product_category_valuation.inventory_valuation"]
            options = engine._get_options(report_data(env, now)())
            assert options["closing"], "the report starts from the latest closing"
            measured = (
                {"sql": measured["sql"]}
                | closed_outputs(env, now)
                | {"closing floor": closing_write_floor(env, options["closing"])}
            )
            times, closed_rounds, results = best_times(
                [fresh(env, function) for function in measured.values()],
                args.repeat,
            )
            closed = dict(zip(measured, times, strict=True))
            closed_rounds = dict(zip(measured, closed_rounds, strict=True))
            for label, result in zip(measured, results, strict=True):
                against_sql = closed[label] / closed["sql"]
                print(
                    f"{label:>14}: {closed[label] * 1000:8.0f} ms"
                    f"  {against_sql:6.2f} x sql  ({len(result)} rows)"
                )
            monthly = sorted(seconds[1:])[len(seconds[1:]) // 2]
            closed["monthly closing"] = monthly
            print(
                f"monthly closing: {monthly * 1000:8.0f} ms"
                f"  {monthly / closed['sql']:6.2f} x sql"
                f"  (median of {len(seconds) - 1}, each from the previous one;"
                f" the first, from the start: {seconds[0] * 1000:.0f} ms)"
            )
        cr.rollback()
    if closed:
        print(
            f"RATIO closed/sql={ratio(closed_rounds, 'closed', 'sql'):.2f}"
            f" closed-mid/sql={ratio(closed_rounds, 'closed mid', 'sql'):.2f}"
            " whatif-closed/sql="
            f"{ratio(closed_rounds, 'closed what-if', 'sql'):.2f}"
            f" closing/sql={closed['monthly closing'] / closed['sql']:.2f}"
            f" closed-data/sql={ratio(closed_rounds, 'closed data', 'sql'):.2f}"
            " closing-floor/sql="
            f"{ratio(closed_rounds, 'closing floor', 'sql'):.2f}"
        )
    print(
        "RATIO"
        " reconciliation/ledger-floor="
        f"{ratio(rounds, 'reconciliation', 'ledger floor'):.2f}"
        f" data/floors={ratio(rounds, 'report data', 'sql', 'ledger floor'):.2f}"
        " xlsx/floor="
        f"{ratio(rounds, 'xlsx detail', 'xlsx floor', 'report data'):.2f}"
    )
    print(
        f"RATIO report/sql={ratio(rounds, 'report', 'sql'):.2f}"
        f" report/native={ratio(rounds, 'report', 'native'):.2f}"
    )


if __name__ == "__main__":
    main()
