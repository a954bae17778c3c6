#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of stock validations: what the negative-inventory rule costs.

Run with the project's virtualenv Python (``make setup`` first):

    .venv/bin/python bench/validation_bench.py [--pickings N] [--lines L]
                                               [--repeat R]

Two scratch databases are created afresh: ``pcv_bench_validation`` with the
addon, ``pcv_bench_validation_odoo`` with the modules it depends on and not the
addon. In each, products are received in WH/Stock; then, best of R interleaved
rounds, N delivery pickings of L lines each are validated one by one, as pickers
do (their creation is not timed; each round is rolled back):

- plain: products whose negative inventory is allowed (Odoo's default), with
  the addon;
- forbidden: products whose negative inventory is forbidden, with the addon
  (their quants are locked while they are checked);
- odoo: the same plain products, without the addon.

The last line printed is ``RATIO forbidden/plain=X.XX`` and ``addon/odoo=Y.YY``.
"""

import argparse
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
        help="use the two databases of an earlier run as they are",
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


def timed(env, items, count, lines):
    """Seconds to validate ``count`` new pickings one by one, rolled back."""
    cr = env.cr
    cr.execute("SAVEPOINT bench_validation")
    try:
        to_validate = pickings(env, items, count, lines)
        env.invalidate_all()
        start = time.perf_counter()
        for picking in to_validate:
            picking.button_validate()
        env.flush_all()
        return time.perf_counter() - start
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT bench_validation")
        env.invalidate_all()


def main():
    args = parse_args()
    import odoo
    from odoo import api

    needed = args.pickings * args.lines
    if not args.reuse:
        create_database("pcv_bench_validation")
        create_database("pcv_bench_validation_odoo", modules=DEPENDENCIES)
    registries = {
        "pcv_bench_validation": open_registry("pcv_bench_validation", fresh=False),
        # Odoo's configuration is read once, by the first
        "pcv_bench_validation_odoo": odoo.modules.registry.Registry(
            "pcv_bench_validation_odoo"
        ),
    }
    cursors = {name: registry.cursor() for name, registry in registries.items()}
    try:
        envs = {
            name: api.Environment(cr, odoo.SUPERUSER_ID, {})
            for name, cr in cursors.items()
        }
        addon, plain_odoo = envs.values()
        print(f"{needed} products per configuration...", flush=True)
        configurations = {
            "plain": (addon, products(addon, needed)),
            "forbidden": (addon, products(addon, needed, "forbidden")),
            "odoo": (plain_odoo, products(plain_odoo, needed)),
        }
        for cr in cursors.values():
            cr.commit()
        best = dict.fromkeys(configurations, float("inf"))
        for round_ in range(args.repeat + 1):  # the first round warms up
            for label, (env, items) in configurations.items():
                seconds = timed(env, items, args.pickings, args.lines)
                if round_:
                    best[label] = min(best[label], seconds)
        for label, seconds in best.items():
            print(
                f"{label:>10}: {seconds * 1000:8.0f} ms for {args.pickings} pickings"
                f" of {args.lines} lines ({seconds * 1000 / args.pickings:.1f} ms each)"
            )
    finally:
        for cr in cursors.values():
            cr.rollback()
            cr.close()
    print(
        f"RATIO forbidden/plain={best['forbidden'] / best['plain']:.2f}"
        f" addon/odoo={best['plain'] / best['odoo']:.2f}"
    )


if __name__ == "__main__":
    main()
