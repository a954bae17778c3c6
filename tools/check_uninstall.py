#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Uninstall the addon from a database full of its data, check that Odoo still
opens categories, products, quotations and invoices, then install it again.

    .venv/bin/python tools/check_uninstall.py DATABASE uninstall
    .venv/bin/python tools/check_uninstall.py DATABASE check
    .venv/bin/python tools/check_uninstall.py DATABASE reinstalled

DATABASE must already hold the addon (``make test`` uses a copy of its test
database). Exits non-zero, with the reason, on the first failure.
"""

import sys
from datetime import timedelta
from pathlib import Path

import odoo
from odoo import Command, api, fields

MODULE = "product_category_valuation"
CONFIG = Path(__file__).resolve().parent.parent / ".build" / "odoo.conf"
# model -> fields of this addon that must be gone after the uninstallation
CHECKED = {
    "product.category": ["category_type", "min_margin_rate", "active"],
    "product.template": ["item_group_id"],
    "product.product": [],
    "sale.order": ["margin_approved_by_id", "main_product_id"],
    "account.move": [],
}


def step(message):
    print(f"[{MODULE}] uninstall check: {message}", flush=True)


def admin_env(cr):
    env = api.Environment(cr, odoo.SUPERUSER_ID, {})
    return env(user=env.ref("base.user_admin").id)


def add_business_data(env):
    """Categories, an item group, products with stock, a confirmed quotation and a
    posted invoice made with the addon, as a user would (no XML ids: the
    uninstallation must keep them)."""
    Category = env["product.category"]
    root = Category.create({"name": "Uninstall check", "category_type": "view"})
    category = Category.create(
        {
            "name": "Checked",
            "parent_id": root.id,
            "min_margin_rate": 10,
            "is_main_article": True,
            "quote_section": "Checked",
        }
    )
    income = env["account.account"].create(
        {"name": "Uninstall check sales", "code": "UCHK400", "account_type": "income"}
    )
    group = env["product.item.group"].create(
        {"name": "Checked", "code": "CHK", "income_account_id": income.id}
    )
    product = env["product.product"].create(
        {
            "name": "Checked chair",
            "is_storable": True,
            "categ_id": category.id,
            "item_group_id": group.id,
            "list_price": 100,
            "standard_price": 50,
        }
    )
    receipt = env["stock.move"].create(
        {
            "name": "Uninstall check receipt",
            "product_id": product.id,
            "product_uom_qty": 10,
            "product_uom": product.uom_id.id,
            "location_id": env.ref("stock.stock_location_suppliers").id,
            "location_dest_id": env.ref("stock.stock_location_stock").id,
        }
    )
    receipt._action_confirm()
    receipt.picked = True
    receipt._action_done()
    customer = env["res.partner"].create({"name": "Uninstall check customer"})
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [
                Command.create({"product_id": product.id, "price_unit": 100})
            ],
        }
    )
    order.action_confirm()
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": order.partner_id.id,
            "invoice_line_ids": [
                Command.create(
                    {"product_id": product.id, "quantity": 1, "price_unit": 100}
                )
            ],
        }
    )
    invoice.action_post()
    assert invoice.invoice_line_ids.account_id == income, "item group account"
    closing = env["stock.valuation.closing"].create(
        {
            "date": fields.Date.context_today(env.user) - timedelta(days=1),
            "justification": "Uninstall check",
        }
    )
    closing.action_close()
    return order.id, invoice.id


def check_odoo_works(env, order_id, invoice_id):
    for model, gone in CHECKED.items():
        Model = env[model]
        for view_type in ("form", "list", "search"):
            Model.get_views([(False, view_type)])
        records = Model.search([], limit=20)
        assert records, f"no {model} record left"
        records.read([name for name in Model._fields if name not in ("image_1920",)])
        for name in gone:
            assert name not in Model._fields, f"{model}.{name} is still there"
    order = env["sale.order"].browse(order_id)
    assert order.state == "sale", "the confirmed quotation"
    order.read(["name", "amount_total", "margin", "order_line"])
    invoice = env["account.move"].browse(invoice_id)
    assert invoice.state == "posted", "the posted invoice"
    invoice.line_ids.read(["account_id", "balance"])
    quotation = env["sale.order"].create(
        {
            "partner_id": order.partner_id.id,
            "order_line": [
                Command.create({"product_id": order.order_line.product_id[:1].id})
            ],
        }
    )
    quotation.action_confirm()
    assert "product.item.group" not in env, "the item group model is still there"
    env.cr.execute(
        "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s"
        " UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE %s"
        " UNION ALL SELECT indexname FROM pg_indexes"
        " WHERE indexname IN ('stock_valuation_layer_company_create_date_index',"
        " 'account_move_line_draft_account_id_date_index')"
        " UNION ALL SELECT tablename FROM pg_tables"
        " WHERE tablename LIKE 'stock\\_valuation\\_closing%%' OR tablename LIKE %s"
        " UNION ALL SELECT viewname FROM pg_views"
        " WHERE viewname LIKE 'stock\\_valuation\\_closing%%'",
        [f"{MODULE}%", f"{MODULE}%", f"{MODULE}%"],
    )
    left = env.cr.fetchall()
    assert not left, (
        f"triggers, functions, indexes, tables or views of the addon are left: {left}"
    )
    # stock still values with the closings' triggers gone
    product = order.order_line.product_id[:1]
    layer = env["stock.valuation.layer"].create(
        {
            "product_id": product.id,
            "company_id": env.company.id,
            "quantity": 0,
            "value": 1.0,
            "description": "after the uninstallation",
        }
    )
    layer.value = 2.0


def prepare_and_uninstall(env):
    env["ir.config_parameter"].set_param(
        f"{MODULE}.uninstall_check", "%s,%s" % add_business_data(env)
    )
    step("business data added")
    env["ir.module.module"].search([("name", "=", MODULE)]).button_immediate_uninstall()
    step("uninstalled")


def check_and_reinstall(env):
    order_id, invoice_id = map(
        int,
        env["ir.config_parameter"].get_param(f"{MODULE}.uninstall_check").split(","),
    )
    check_odoo_works(env, order_id, invoice_id)
    step("categories, products, quotations and invoices open")
    env["ir.module.module"].search([("name", "=", MODULE)]).button_immediate_install()
    step("installed again")


def check_reinstalled(env):
    module = env["ir.module.module"].search([("name", "=", MODULE)])
    assert module.state == "installed", module.state
    wizard = env["product.category.valuation.wizard"].create({})
    report = env["report.product_category_valuation.inventory_valuation"]
    data = report._get_report_data(wizard._prepare_report_data())
    assert any(row["kind"] == "product" for row in data["rows"]), "valuation"
    category = env["product.category"].search([("name", "=", "Checked")])
    assert category.category_type == "normal", category.category_type
    step("OK")


PHASES = {
    "uninstall": prepare_and_uninstall,
    "check": check_and_reinstall,
    "reinstalled": check_reinstalled,
}


def main():
    """Each phase runs in its own process, like a server restarted after an
    (un)installation."""
    database, phase = sys.argv[1:3]
    odoo.tools.config.parse_config(
        ["-c", str(CONFIG), "-d", database, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        PHASES[phase](admin_env(cr))


if __name__ == "__main__":
    main()
