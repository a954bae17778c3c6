#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of large quotations: default quote sections and minimum margins.

Run with the project's virtualenv Python (``make bench`` does the set-up first):

    .venv/bin/python bench/quotation_bench.py [--lines N] [--repeat R]
                                              [--database DB]

Without --database, a scratch database ``pcv_bench_quote`` is created afresh with
the addon installed. N products spread over 10 categories are created, then, in
interleaved rounds (best of R each), a quotation of N lines is created and
confirmed, as a salesperson's import or the form's save would do, in three
configurations of the same categories:

- plain: no default quote section, no minimum margin (Odoo as it is);
- sections: each category has its default quote section;
- minimum: each category is a main article category with a minimum margin rate
  that the quotation reaches.

Everything is rolled back at the end. The last line printed is
``RATIO sections/plain=X.XX confirm-with-minimum/plain=Y.YY``.
"""

import argparse
import time

from common import open_registry

CATEGORIES = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="existing database with the addon")
    return parser.parse_args()


def main():
    args = parse_args()
    import odoo
    from odoo import Command, api

    database = args.database or "pcv_bench_quote"
    registry = open_registry(database, fresh=not args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin").id, context={"lang": "en_US"})
        categories = env["product.category"].create(
            [{"name": f"Bench quote category {i}"} for i in range(CATEGORIES)]
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Bench quote product {i}",
                    "categ_id": categories[i % CATEGORIES].id,
                    "list_price": 100 + i % 7,
                    "standard_price": 50,
                    "taxes_id": [Command.clear()],
                }
                for i in range(args.lines)
            ]
        )
        customer = env["res.partner"].create({"name": "Bench quote customer"})
        configurations = {
            "plain": {"quote_section": False, "is_main_article": False},
            "sections": {
                "quote_section": "Bench section",
                "is_main_article": False,
            },
            "minimum": {
                "quote_section": False,
                "is_main_article": True,
                "min_margin_rate": 20,
            },
        }

        def run(name):
            for index, category in enumerate(categories):
                values = dict(configurations[name])
                if values["quote_section"]:
                    values["quote_section"] = f"Bench section {index}"
                category.write({"min_margin_rate": 0, **values})
            env.flush_all()
            env.invalidate_all()
            start = time.perf_counter()
            order = env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create({"product_id": product.id})
                        for product in products
                    ],
                }
            )
            order.action_confirm()
            env.flush_all()
            elapsed = time.perf_counter() - start
            assert order.state == "sale", name
            return elapsed, order

        best = dict.fromkeys(configurations, float("inf"))
        layouts = {}
        for name in configurations:  # one untimed round: caches, first writes
            run(name)
        for _round in range(args.repeat):
            for name in configurations:
                elapsed, order = run(name)
                best[name] = min(best[name], elapsed)
                layouts[name] = order.order_line
        sections = layouts["sections"].filtered(
            lambda line: line.display_type == "line_section"
        )
        assert len(sections) == CATEGORIES, len(sections)
        assert layouts["minimum"].order_id.required_margin_rate == 20
        for name, seconds in best.items():
            print(f"{name}: {seconds * 1000:.0f} ms ({len(layouts[name])} lines)")
        cr.rollback()
    print(
        f"RATIO sections/plain={best['sections'] / best['plain']:.2f}"
        f" confirm-with-minimum/plain={best['minimum'] / best['plain']:.2f}"
    )


if __name__ == "__main__":
    main()
