#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of stock validations: what the negative-inventory rule costs.

Run with the project's virtualenv Python (``make setup`` first):

    .venv/bin/python bench/validation_bench.py [--pickings N] [--lines L]
                                               [--repeat R]

Three scratch databases are created afresh, one per configuration:
``pcv_bench_validation`` with the addon, ``pcv_bench_validation_forbidden`` a
copy of it, ``pcv_bench_validation_odoo`` with the modules the addon depends on
and not the addon. Then, best of R interleaved rounds (each configuration first
in turn), N x L new products are put in WH/Stock and N delivery pickings of L
lines each are validated one by one, as pickers do (only the validations are
timed; each round is its own transaction, rolled back, so that every round
starts from the same database):

- plain: products whose negative inventory is allowed (Odoo's default), with
  the addon;
- forbidden: products whose negative inventory is forbidden, with the addon
  (each validation holds their rows of held stock while it checks them);
- odoo: the same plain products, without the addon.

The last line printed is ``RATIO forbidden/plain=X.XX`` and ``addon/odoo=Y.YY``.
"""

import argparse
import subprocess
import time

from common import create_database, open_registry

DEPENDENCIES = "stock_account,sale_margin,sale_stock"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickings", type=int, default=200)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the three databases of an earlier run as they are",
    )
    return parser.parse_args()


def products(env, count, rule=None):
    """``count`` storable products with 1,000 units each in WH/Stock, in a
    category whose negative inventory ``rule`` is set (or not: Odoo)."""
    from odoo import Command

    values = {"name": f"Bench {rule or 'plain'}"}
    if rule:
        values["negative_inventory"] = rule
    category = env["product.category"].create(values)
    created = env["product.product"].create(
        [
            {
                "name": f"Bench {rule or 'plain'} {i}",
                "is_storable": True,
                "categ_id": category.id,
                "taxes_id": [Command.clear()],
            }
            for i in range(count)
        ]
    )
    stock = env.ref("stock.warehouse0").lot_stock_id
    for product in created:
        env["stock.quant"]._update_available_quantity(product, stock, 1000)
    return created


def pickings(env, items, count, lines):
    """``count`` confirmed deliveries of ``lines`` of the products ``items``,
    their quantities set by hand (not reserved)."""
    from odoo import Command

    warehouse = env.ref("stock.warehouse0")
    customers = env.ref("stock.stock_location_customers")
    created = env["stock.picking"].create(
        [
            {
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "product_uom": product.uom_id.id,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": customers.id,
                        }
                    )
                    for product in items[n * lines : (n + 1) * lines]
                ],
            }
            for n in range(count)
        ]
    )
    created.action_confirm()
    for move in created.move_ids:
        move.quantity = 1
        move.picked = True
    env.flush_all()
    return created


def timed(registry, rule, count, lines):
    """Seconds to validate ``count`` new pickings of ``lines`` new products (of
    the negative inventory ``rule``) one by one, in a transaction of their own
    that is rolled back: every round starts from the same database, and leaves
    nothing the next one must wade through."""
    import odoo
    from odoo import api

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            items = products(env, count * lines, rule)
            to_validate = pickings(env, items, count, lines)
            env.invalidate_all()
            start = time.perf_counter()
            for picking in to_validate:
                picking.button_validate()
            env.flush_all()
            return time.perf_counter() - start
        finally:
            cr.rollback()


def main():
    args = parse_args()
    import odoo

    # one database per configuration, the two of the addon copies of one
    configurations = {
        "plain": ("pcv_bench_validation", None),
        "forbidden": ("pcv_bench_validation_forbidden", "forbidden"),
        "odoo": ("pcv_bench_validation_odoo", None),
    }
    if not args.reuse:
        create_database("pcv_bench_validation")
        subprocess.run(
            ["dropdb", "--if-exists", "pcv_bench_validation_forbidden"], check=True
        )
        subprocess.run(
            [
                "createdb",
                "-T",
                "pcv_bench_validation",
                "pcv_bench_validation_forbidden",
            ],
            check=True,
        )
        create_database("pcv_bench_validation_odoo", modules=DEPENDENCIES)
    registries = {"plain": open_registry("pcv_bench_validation", fresh=False)}
    # Odoo's configuration is read once, by the first
    registries.update(
        (label, odoo.modules.registry.Registry(database))
        for label, (database, _rule) in configurations.items()
        if label not in registries
    )
    labels = list(configurations)
    best = dict.fromkeys(labels, float("inf"))
    for round_ in range(args.repeat + 1):  # the first round warms up
        # each configuration in turn first, so that none always follows another
        for label in labels[round_ % 3 :] + labels[: round_ % 3]:
            seconds = timed(
                registries[label], configurations[label][1], args.pickings, args.lines
            )
            if round_:
                best[label] = min(best[label], seconds)
    for label, seconds in best.items():
        print(
            f"{label:>10}: {seconds * 1000:8.0f} ms for {args.pickings} pickings"
            f" of {args.lines} lines ({seconds * 1000 / args.pickings:.1f} ms each)"
        )
    print(
        f"RATIO forbidden/plain={best['forbidden'] / best['plain']:.2f}"
        f" addon/odoo={best['plain'] / best['odoo']:.2f}"
    )


if __name__ == "__main__":
    main()
