#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Check the demo data of a database installed with it, as a new user meets it.

    .venv/bin/python tools/check_demo.py CONFIG DATABASE

The stock history spreads over the last three months (its layers and their
journal entries dated alike, month by month), the server action that dated it
is gone, and closing last month as the demo's admin freezes every demo product
with no difference from the ledger, while today's report differs from it (a
delivery since). Nothing is committed. Exits non-zero, with the reason, on the
first failure.
"""

import sys

from dateutil.relativedelta import relativedelta

import odoo
from odoo import api, fields

MODULE = "product_category_valuation"


def check(condition, message):
    if not condition:
        sys.exit(f"[{MODULE}] demo check FAILED: {message}")


def main(config, database):
    odoo.tools.config.parse_config(["-c", config, "--no-http"])
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin").id, context={"tz": "UTC"})
        products = env["product.product"].search([("default_code", "=like", "PCV-%")])
        layers = env["stock.valuation.layer"].search(
            [("product_id", "in", products.ids)]
        )
        month = fields.Date.today().replace(day=1)
        months = {
            (month - relativedelta(months=n)).strftime("%Y-%m") for n in (1, 2, 3)
        }
        dated = {layer.create_date.strftime("%Y-%m") for layer in layers}
        check(
            months <= dated,
            f"layers in {sorted(dated)}, not in each of {sorted(months)}",
        )
        for layer in layers:
            check(
                layer.account_move_id.date == layer.create_date.date(),
                f"layer {layer.id} of {layer.create_date} has its entry on "
                f"{layer.account_move_id.date}",
            )
        check(
            not env.ref(f"{MODULE}.demo_stock_history", raise_if_not_found=False),
            "the server action that dated the history is still there",
        )
        closing = env["stock.valuation.closing"].create(
            {"company_id": env.company.id, "date": month - relativedelta(days=1)}
        )
        closing.action_close()
        stocked = products.filtered(lambda p: p.is_storable)
        check(
            closing.line_ids.product_id >= stocked,
            "closing last month holds "
            f"{closing.line_ids.product_id.mapped('default_code')}",
        )
        check(
            closing.difference == 0,
            f"closing last month differs by {closing.difference}",
        )
        today = sum(layers.mapped("value"))
        check(
            today != closing.total_value,
            f"today's value {today} equals last month's closing",
        )
        print(
            f"[{MODULE}] demo check: history over {', '.join(sorted(months))}; closing "
            f"{closing.date} holds {len(closing.line_ids)} products worth "
            f"{closing.total_value} with no difference; today {today}",
            flush=True,
        )
        cr.rollback()


if __name__ == "__main__":
    main(*sys.argv[1:3])
