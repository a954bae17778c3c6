#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Upgrade a database made with the last release of the addon to this one, and
check that what a company made with it survives.

    .venv/bin/python tools/check_upgrade.py CONFIG DATABASE prepare
    .venv/bin/python tools/check_upgrade.py CONFIG DATABASE check

``prepare`` runs on the last release's code (``tools/check_upgrade.sh`` puts it
on the addons path of CONFIG): categories, an item group, products received,
delivered and revalued last month, a monthly closing with its periodic
adjustment, a revaluation since, and a quotation whose margin a sales manager
approved. ``check`` runs after ``-u`` with this code: every record is there as
it was, the closing's adjustment among its entries, and the what-if columns
from the migrated closing equal those from the start of history. Exits
non-zero, with the reason, on the first failure.
"""

import json
import sys
from datetime import datetime, timedelta

import odoo
from odoo import Command, api, fields
from odoo.tools import SQL

MODULE = "product_category_valuation"
PARAMETER = f"{MODULE}.upgrade_check"
ENGINE = "report.product_category_valuation.inventory_valuation"


def step(message):
    print(f"[{MODULE}] upgrade check: {message}", flush=True)


def admin_env(cr):
    env = api.Environment(cr, odoo.SUPERUSER_ID, {})
    return env(user=env.ref("base.user_admin").id, context={"tz": "UTC"})


def move(env, product, quantity, source, destination, price_unit=0.0):
    stock_move = env["stock.move"].create(
        {
            "name": f"Upgrade check: {product.name}",
            "product_id": product.id,
            "product_uom_qty": quantity,
            "product_uom": product.uom_id.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "price_unit": price_unit,
        }
    )
    stock_move._action_confirm()
    stock_move._action_assign()
    stock_move.quantity = quantity
    stock_move.picked = True
    stock_move._action_done()
    return stock_move


def revalue(env, product, added_value):
    wizard = (
        env["stock.valuation.layer.revaluation"]
        .with_context(default_product_id=product.id)
        .create(
            {
                "added_value": added_value,
                "reason": "Upgrade check",
                "account_id": product.categ_id.property_account_expense_categ_id.id,
                "account_journal_id": product.categ_id.property_stock_journal.id,
            }
        )
    )
    wizard.action_validate_revaluation()


def redate(env, layers, at):
    """Date ``layers`` and their entries at ``at``, an hour apart."""
    env.flush_all()
    for index, layer in enumerate(layers.sorted("id")):
        when = at + timedelta(hours=index)
        env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET create_date = %(at)s"
                " WHERE id = %(layer)s;"
                " UPDATE account_move SET date = %(day)s WHERE id = %(move)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id = %(move)s",
                at=when,
                day=when.date(),
                layer=layer.id,
                move=layer.account_move_id.id or 0,
            )
        )
    env.invalidate_all()


def prepare(env):
    company = env.company
    company.inventory_closing_adjustment = True
    Category = env["product.category"]
    root = Category.create({"name": "Upgrade check", "category_type": "view"})
    fifo = Category.create(
        {
            "name": "Upgraded FIFO",
            "parent_id": root.id,
            "property_cost_method": "fifo",
            "property_valuation": "real_time",
            "min_margin_rate": 30,
            "is_main_article": True,
            "quote_section": "Upgraded",
        }
    )
    periodic = Category.create(
        {
            "name": "Upgraded periodic",
            "parent_id": root.id,
            "property_cost_method": "fifo",
            "property_valuation": "manual_periodic",
        }
    )
    income = env["account.account"].create(
        {"name": "Upgrade check sales", "code": "UPG400", "account_type": "income"}
    )
    group = env["product.item.group"].create(
        {"name": "Upgraded", "code": "UPG", "income_account_id": income.id}
    )
    Product = env["product.product"]
    desk = Product.create(
        {
            "name": "Upgraded desk",
            "is_storable": True,
            "categ_id": fifo.id,
            "item_group_id": group.id,
            "list_price": 100,
        }
    )
    bolt = Product.create(
        {"name": "Upgraded bolt", "is_storable": True, "categ_id": periodic.id}
    )
    stock = (
        env["stock.warehouse"]
        .search([("company_id", "=", company.id)], limit=1)
        .lot_stock_id
    )
    vendors = env.ref("stock.stock_location_suppliers")
    customers = env.ref("stock.stock_location_customers")
    move(env, desk, 10, vendors, stock, 10.0)
    move(env, desk, 5, vendors, stock, 20.0)
    move(env, desk, 4, stock, customers)
    revalue(env, desk, 12.0)  # on the 11 left
    move(env, bolt, 5, vendors, stock, 3.0)
    last_month = fields.Date.today().replace(day=1) - timedelta(days=1)
    redate(
        env,
        (desk | bolt).stock_valuation_layer_ids,
        datetime.combine(last_month.replace(day=1), datetime.min.time())
        + timedelta(hours=8),
    )
    closing = env["stock.valuation.closing"].create(
        {"date": last_month, "justification": "Upgrade check"}
    )
    closing.action_close()
    assert closing.state == "done", closing.state
    adjustment = closing.adjustment_move_id
    assert adjustment.state == "posted", "the periodic adjustment"
    revalue(env, desk, 6.0)  # since the closing
    customer = env["res.partner"].create({"name": "Upgrade check customer"})
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [
                Command.create(
                    {"product_id": desk.id, "product_uom_qty": 1, "price_unit": 12}
                )
            ],
        }
    )
    order.action_request_margin_approval()
    order.action_approve_margin()
    assert order.margin_approved_by_id, "the approval"
    order.action_confirm()
    expected = {
        "categories": [
            [c.id, c.category_type, c.min_margin_rate, c.is_main_article]
            for c in root | fifo | periodic
        ],
        "group": [group.id, group.code, group.income_account_id.id],
        "closing": [closing.id, len(closing.line_ids), adjustment.id],
        "order": [order.id, order.margin_approved_by_id.id, order.state],
        "products": (desk | bolt).ids,
    }
    env["ir.config_parameter"].set_param(PARAMETER, json.dumps(expected))
    step("made with the last release: closing, adjustment, approval")


def what_if(env, company, day, products):
    engine = env[ENGINE]
    options = engine._get_options(
        {
            "company_id": company.id,
            "date": fields.Date.to_string(day),
            "show_what_if": True,
            "include_zero": True,
        }
    )
    lines = engine._get_valuation(options)[0]
    keys = ("quantity", "value", "fifo_value", "lifo_value", "average_value")
    return options["closing"], {
        line["product_id"]: [round(line[key], 2) for key in keys]
        for line in lines
        if line["product_id"] in products
    }


def check(env):
    expected = json.loads(env["ir.config_parameter"].get_param(PARAMETER))
    module = env["ir.module.module"].search([("name", "=", MODULE)])
    manifest = odoo.modules.module.get_manifest(MODULE)
    assert module.latest_version == manifest["version"], (
        f"installed {module.latest_version}, the code says {manifest['version']}"
    )
    for category_id, *values in expected["categories"]:
        category = env["product.category"].browse(category_id)
        got = [
            category.category_type,
            category.min_margin_rate,
            category.is_main_article,
        ]
        assert got == values, f"{category.display_name}: {got} != {values}"
    group_id, code, income_id = expected["group"]
    group = env["product.item.group"].browse(group_id)
    assert [group.code, group.income_account_id.id] == [code, income_id], "item group"
    closing_id, line_count, adjustment_id = expected["closing"]
    closing = env["stock.valuation.closing"].browse(closing_id)
    assert closing.state == "done" and not closing.stale, "the closing"
    assert len(closing.line_ids) == line_count, "the closing's lines"
    assert closing.adjustment_move_ids.ids == [adjustment_id], "its adjustment"
    sequence = env.ref(f"{MODULE}.sequence_stock_valuation_closing")
    assert sequence.implementation == "standard", "the closings' sequence"
    order_id, approver_id, state = expected["order"]
    order = env["sale.order"].browse(order_id)
    assert [order.margin_approved_by_id.id, order.state] == [approver_id, state]
    step("categories, item groups, closings and approvals survive")
    # the what-if columns from the migrated closing, at its date and today,
    # equal those from the start of history
    products = set(expected["products"])
    company = closing.company_id
    days = (closing.date, fields.Date.today())
    from_closing = {day: what_if(env, company, day, products) for day in days}
    closing.sudo().stale = True  # the report then reads the whole history
    for day in days:
        started, figures = from_closing[day]
        assert started == closing, f"{day}: the report starts from {started}"
        full = what_if(env, company, day, products)[1]
        assert figures == full, f"{day}: {figures} from the closing, {full} in all"
    env.cr.rollback()
    step("the what-if columns from the migrated closing are those of the history")
    step("OK")


PHASES = {"prepare": prepare, "check": check}


def main():
    config, database, phase = sys.argv[1:4]
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        PHASES[phase](admin_env(cr))


if __name__ == "__main__":
    main()
