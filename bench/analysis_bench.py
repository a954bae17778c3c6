#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the sales analysis by main article: what the addon's dimensions
cost the pivot.

Run with the project's virtualenv Python (``make setup`` first):

    .venv/bin/python bench/analysis_bench.py [--orders N] [--lines L]
                                             [--repeat R] [--reuse]

Two scratch databases are created afresh and filled alike with N confirmed
orders of L lines (200,000 lines by default) over 1,000 products in 20
categories: ``pcv_bench_analysis`` with the addon (each order's main article
computed by the addon's own rule), ``pcv_bench_analysis_odoo`` with the modules
the addon depends on and not the addon. Then, best of R interleaved rounds after
a warm-up, the pivot's read (``read_group`` on ``sale.report``, as the web
client asks it) is timed:

- plain: Odoo's Sales Analysis by product category (untaxed amount, margin),
  without the addon;
- odoo-pivot: the same read with the addon installed (its extended view);
- analysis: the addon's "Margin by main article category" (untaxed amount,
  margin, margin rate of each group, the category's minimum).

The last line printed is ``RATIO analysis/plain=X.XX odoo-pivot/plain=Y.YY``.
"""

import argparse
import time

from common import copy_rows, create_database, open_registry, vacuum

DEPENDENCIES = "stock_account,sale_margin,sale_stock"
DATABASES = {"addon": "pcv_bench_analysis", "odoo": "pcv_bench_analysis_odoo"}
PRODUCTS = 1000
CATEGORIES = 20
BATCH = 2000
FILLED_TABLES = "sale_order, sale_order_line, product_product, product_template"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the two databases of an earlier run as they are",
    )
    return parser.parse_args()


def fill(env, orders, lines):
    """``orders`` confirmed orders of ``lines`` lines each, copied in SQL from
    one order made by the ORM; products cycle through the catalogue, quantities
    and prices vary, margins are those sale_margin would compute."""
    from odoo import Command
    from odoo.tools import SQL

    cr = env.cr
    categories = env["product.category"].create(
        [{"name": f"Bench {n}"} for n in range(CATEGORIES)]
    )
    if "is_main_article" in categories._fields:
        for n, category in enumerate(categories):
            category.write({"is_main_article": True, "min_margin_rate": 10 + n})
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {n}",
                "categ_id": categories[n % CATEGORIES].id,
                "list_price": 100 + n % 50,
                "standard_price": 50 + n % 40,
                "taxes_id": [Command.clear()],
            }
            for n in range(PRODUCTS)
        ]
    )
    partner = env["res.partner"].create({"name": "Bench customer"})
    template = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [Command.create({"product_id": products[0].id})],
        }
    )
    template.action_confirm()
    env.flush_all()
    cr.execute(
        SQL(
            "CREATE TEMP TABLE bench_products (n int, id int, cost numeric)"
            " ON COMMIT DROP"
        )
    )
    cr.execute(
        SQL(
            "INSERT INTO bench_products VALUES %s",
            SQL(", ").join(
                SQL("(%s, %s, %s)", n, product.id, product.standard_price)
                for n, product in enumerate(products)
            ),
        )
    )
    copy_rows(
        cr,
        "sale_order",
        template.id,
        SQL("generate_series(1, %s) AS g(n)", orders),
        {
            "name": SQL("'BENCH/' || g.n"),
            "date_order": SQL("s.date_order - mod(g.n, 365) * interval '1 day'"),
        },
    )
    line = template.order_line
    # quantity 1 to 5, price 90 to 189: margins from about -40 % to 70 %
    source = SQL(
        """(SELECT o.id AS order_id, o.date_order, k,
                   mod(o.id * 7 + k * 13, 5) + 1 AS qty,
                   90 + mod(o.id * 3 + k * 11, 100) AS price, p.id AS product_id,
                   p.cost
              FROM sale_order o
              CROSS JOIN generate_series(1, %s) AS k
              JOIN bench_products p ON p.n = mod(o.id * 31 + k * 17, %s)
             WHERE o.name LIKE %s) AS g""",
        lines,
        PRODUCTS,
        "BENCH/%",
    )
    copy_rows(
        cr,
        "sale_order_line",
        line.id,
        source,
        {
            "order_id": SQL("g.order_id"),
            "sequence": SQL("g.k"),
            "product_id": SQL("g.product_id"),
            "product_uom_qty": SQL("g.qty"),
            "price_unit": SQL("g.price"),
            "price_subtotal": SQL("g.qty * g.price"),
            "price_total": SQL("g.qty * g.price"),
            "price_reduce_taxexcl": SQL("g.price"),
            "price_reduce_taxinc": SQL("g.price"),
            "purchase_price": SQL("g.cost"),
            "margin": SQL("g.qty * (g.price - g.cost)"),
            "margin_percent": SQL("(g.price - g.cost) / g.price"),
            "create_date": SQL("g.date_order"),
        },
    )
    env.invalidate_all()
    if "main_categ_id" not in env["sale.order"]._fields:
        return
    # The addon's own rule picks each order's main article.
    ids = env["sale.order"].search([("name", "=like", "BENCH/%")]).ids
    for start in range(0, len(ids), BATCH):
        batch = env["sale.order"].browse(ids[start : start + BATCH])
        batch._compute_main_article()
        env.flush_all()
        env.invalidate_all()
        print(f"  main articles: {start + len(batch)} of {len(ids)}", flush=True)


def pivots():
    """label -> (database, groupby, measures)."""
    odoo = (["categ_id"], ["price_subtotal:sum", "margin:sum"])
    return {
        "plain": ("odoo", *odoo),
        "odoo-pivot": ("addon", *odoo),
        "analysis": (
            "addon",
            ["main_categ_id"],
            [
                "price_subtotal:sum",
                "margin:sum",
                "margin_rate:avg",
                "main_min_margin_rate:max",
            ],
        ),
    }


def read_pivot(registry, groupby, measures):
    """Seconds for the pivot's read of ``sale.report`` as a sales manager's
    web client asks it (confirmed orders, every row group)."""
    import odoo
    from odoo import api

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        groups = env["sale.report"].read_group(
            [("state", "not in", ("draft", "cancel", "sent"))],
            measures,
            groupby,
            lazy=False,
        )
        seconds = time.perf_counter() - start
        assert len(groups) >= CATEGORIES, groups
        return seconds


def main():
    args = parse_args()
    import odoo
    from odoo import api

    if not args.reuse:
        create_database(DATABASES["addon"])
        create_database(DATABASES["odoo"], modules=DEPENDENCIES)
    registries = {"addon": open_registry(DATABASES["addon"], fresh=False)}
    registries["odoo"] = odoo.modules.registry.Registry(DATABASES["odoo"])
    if not args.reuse:
        for label, registry in registries.items():
            start = time.perf_counter()
            with registry.cursor() as cr:
                fill(
                    api.Environment(cr, odoo.SUPERUSER_ID, {}), args.orders, args.lines
                )
            print(f"filled {label} in {time.perf_counter() - start:.1f} s", flush=True)
        for database in DATABASES.values():
            vacuum(database, FILLED_TABLES)
    labels = list(pivots())
    best = dict.fromkeys(labels, float("inf"))
    for round_ in range(args.repeat + 1):  # the first round warms up
        for label in labels[round_ % 3 :] + labels[: round_ % 3]:
            database, groupby, measures = pivots()[label]
            seconds = read_pivot(registries[database], groupby, measures)
            if round_:
                best[label] = min(best[label], seconds)
    lines = args.orders * args.lines
    for label, seconds in best.items():
        print(f"{label:>10}: {seconds * 1000:8.1f} ms for {lines} order lines")
    print(
        f"RATIO analysis/plain={best['analysis'] / best['plain']:.2f}"
        f" odoo-pivot/plain={best['odoo-pivot'] / best['plain']:.2f}"
    )


if __name__ == "__main__":
    main()
