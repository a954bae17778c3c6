#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Prove that the addon's rules hold when people act at the same moment.

    .venv/bin/python tools/check_concurrency.py DATABASE [--rounds N]

DATABASE must hold the addon (``make test`` uses a copy of its test database). Its
set-up is committed; then each race runs N rounds, each with real Odoo cursors in
threads released together by a barrier once every one of them has read the
database (so that they all work from the same snapshot), and retried the way
Odoo retries a request that fails to serialize:

1. two deliveries of 5 units of a product whose negative physical inventory is
   forbidden, which holds 5: exactly one is validated, the stock never goes
   below zero;
2. three deliveries of 1 unit of the same product, which holds 3: all are
   validated; and a delivery of such a product validated while another of its
   deliveries is reserved and a receipt of it validated: all three go
   through, and the stock is what they make it;
3. an item-group change that moves a product's stock valuation account, against
   a delivery of that product: whatever their order and retries, the ledger
   holds the value on hand on the new account and nothing on the old one;
4. a sales manager approving the margin rate the form shows, against the
   salesperson lowering the price: never an approval of a rate the quotation
   no longer reaches;
5. two managers closing the same inventory period at once: exactly one closing
   is done, the other refused; the chain never holds two closings of one day;
6. a manager closing an inventory period against an accountant posting an entry
   dated in it on a stock valuation account: the entry is either refused (the
   period is closed) or in the ledger that the closing froze, never posted
   behind its back (the last round closes today);
7. a manager running a company's first closing against an accountant posting
   an opening balance dated before anything in its books, on a stock valuation
   account: likewise, refused or in the frozen ledger.

Prints what each race showed and exits non-zero on any violation.
"""

import argparse
import logging
import random
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import odoo
from odoo import Command, api, fields
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".build" / "odoo.conf"
MODULE = "product_category_valuation"
MAX_TRIES = 5  # as Odoo's MAX_TRIES_ON_CONCURRENCY_FAILURE


def say(message):
    print(f"[{MODULE}] concurrency check: {message}", flush=True)


class Violation(Exception):
    pass


def attempt(registry, uid, barrier, work):
    """Run ``work(env)`` in a cursor of its own as user ``uid``, after a first
    read and the ``barrier``; retry it as Odoo retries a request that fails to
    serialize. Returns (outcome, tries, detail): outcome "done" or "refused",
    detail the refusal's message."""
    for tries in range(1, MAX_TRIES + 1):
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            cr.execute("SELECT 1 FROM res_users LIMIT 1")  # the snapshot starts here
            if tries == 1:
                barrier.wait()
            try:
                work(env)
                env.flush_all()
                cr.commit()
                return "done", tries, ""
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                cr.rollback()
                time.sleep(random.uniform(0, 0.05 * tries))
            except UserError as error:
                cr.rollback()
                return "refused", tries, str(error)
    raise Violation("a transaction failed to serialize on every try")


def race(registry, works):
    """Run the (uid, work) ``works`` at the same moment; their outcomes."""
    barrier = threading.Barrier(len(works))
    outcomes = [None] * len(works)

    def run(index, uid, work):
        try:
            outcomes[index] = attempt(registry, uid, barrier, work)
        except Exception as error:  # noqa: BLE001 - reported as a violation
            outcomes[index] = ("error", 0, repr(error))
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=(index, uid, work))
        for index, (uid, work) in enumerate(works)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


class Races:
    def __init__(self, registry, rounds):
        self.registry = registry
        self.rounds = rounds
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            self._setup(env)

    def _setup(self, env):
        """Users, categories, accounts and groups shared by the rounds."""
        self.company = env.company.id
        self.admin = env.ref("base.user_admin").id
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", self.company)], limit=1
        )
        self.stock = warehouse.lot_stock_id.id
        self.out_type = warehouse.out_type_id.id
        self.customers = env.ref("stock.stock_location_customers").id
        self.suppliers = env.ref("stock.stock_location_suppliers").id
        Category = env["product.category"]
        self.forbidden = Category.create(
            {"name": "Race: no negative stock", "negative_inventory": "forbidden"}
        ).id
        Account = env["account.account"]
        tag = self.tag = str(int(time.time()))[-6:]

        def account(code, kind="asset_current"):
            return Account.create(
                {"name": f"Race {code}", "code": f"R{tag}{code}", "account_type": kind}
            )

        journal = env["account.journal"].create(
            {"name": "Race stock", "code": f"R{tag[-4:]}", "type": "general"}
        )
        self.journal = journal.id
        stock_in = account("1", "liability_current")
        self.stock_in = stock_in.id
        stock_out = account("2", "liability_current")
        self.old_account = account("3").id
        self.new_account = account("4").id
        self.real_time = Category.create(
            {
                "name": "Race: real time",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
                "property_stock_valuation_account_id": self.old_account,
                "property_stock_account_input_categ_id": stock_in.id,
                "property_stock_account_output_categ_id": stock_out.id,
                "property_stock_journal": journal.id,
            }
        ).id
        Group = env["product.item.group"]
        self.old_group, self.new_group = (
            Group.create(
                {
                    "name": f"Race {name}",
                    "code": f"RACE-{tag}-{name}",
                    "stock_valuation_account_id": account_id,
                    "stock_journal_id": journal.id,
                }
            ).id
            for name, account_id in (
                ("old", self.old_account),
                ("new", self.new_account),
            )
        )
        margins = Category.create(
            {
                "name": "Race: minimum margin",
                "is_main_article": True,
                "min_margin_rate": 30,
            }
        )
        self.lamp = (
            env["product.product"]
            .create(
                {
                    "name": "Race lamp",
                    "categ_id": margins.id,
                    "list_price": 100,
                    "standard_price": 80,
                }
            )
            .id
        )
        self.customer = env["res.partner"].create({"name": "Race customer"}).id
        Users = env["res.users"].with_context(no_reset_password=True)
        self.salesman, self.manager = (
            Users.create(
                {
                    "name": f"Race {role}",
                    "login": f"race_{role}_{tag}",
                    "groups_id": [Command.set([env.ref(group).id])],
                }
            ).id
            for role, group in (
                ("salesman", "sales_team.group_sale_salesman"),
                ("manager", "sales_team.group_sale_manager"),
            )
        )

    # ------------------------------------------------------------------
    def _env(self, cr, uid=odoo.SUPERUSER_ID):
        return api.Environment(cr, uid, {})

    def _product(self, env, category, name, **values):
        return env["product.product"].create(
            {"name": name, "is_storable": True, "categ_id": category, **values}
        )

    def _delivery(self, env, product, quantity):
        picking = env["stock.picking"].create(
            {
                "picking_type_id": self.out_type,
                "location_id": self.stock,
                "location_dest_id": self.customers,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock,
                            "location_dest_id": self.customers,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        # not reserved: the picker sets the done quantity by hand
        picking.move_ids.quantity = quantity
        picking.move_ids.picked = True
        return picking.id

    @staticmethod
    def _validate(picking_id):
        def work(env):
            result = env["stock.picking"].browse(picking_id).button_validate()
            if result is not True:
                raise Violation(f"validation asked for a wizard: {result}")

        return work

    def _on_hand(self, env, product_id):
        quants = env["stock.quant"].search(
            [("product_id", "=", product_id), ("location_id", "=", self.stock)]
        )
        return sum(quants.mapped("quantity"))

    # ------------------------------------------------------------------
    def deliveries(self, count, each, held):
        """``count`` deliveries of ``each`` units, ``held`` in stock."""
        seen = Counter()
        for index in range(self.rounds):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                product = self._product(
                    env, self.forbidden, f"Race bolt {count}x{each} #{index}"
                )
                env["stock.quant"]._update_available_quantity(
                    product, env["stock.location"].browse(self.stock), held
                )
                pickings = [self._delivery(env, product, each) for _ in range(count)]
                product_id = product.id
            outcomes = race(
                self.registry,
                [(self.admin, self._validate(picking)) for picking in pickings],
            )
            with self.registry.cursor() as cr:
                on_hand = self._on_hand(self._env(cr), product_id)
            kinds = Counter(kind for kind, _tries, _detail in outcomes)
            seen.update(kinds)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            if on_hand < 0:
                raise Violation(f"round {index}: the stock went to {on_hand}")
            if "error" in kinds:
                raise Violation(f"round {index}: {outcomes}")
            expected = min(count, held // each)
            if kinds["done"] != expected:
                raise Violation(
                    f"round {index}: {kinds['done']} validated, {expected} expected:"
                    f" {outcomes}"
                )
            for kind, _tries, detail in outcomes:
                if kind == "refused" and "Negative physical inventory" not in detail:
                    raise Violation(f"round {index}: refused with {detail}")
        return seen

    def delivery_among_reservations_and_receipts(self):
        """A delivery of a product whose negative stock is forbidden, validated
        while another delivery of it is reserved ("Mark as To Do") and a
        receipt of it validated: all three go through (the rule holds the
        validations' own rows, none of the quants the others write), and the
        stock is what the three make it."""
        seen = Counter()
        for index in range(self.rounds):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                product = self._product(env, self.forbidden, f"Race nut #{index}")
                env["stock.quant"]._update_available_quantity(
                    product, env["stock.location"].browse(self.stock), 10
                )
                delivery = self._delivery(env, product, 4)
                reserved = self._delivery(env, product, 3)
                env["stock.picking"].browse(reserved).move_ids.write(
                    {"quantity": 0, "picked": False}
                )
                receipt = env["stock.picking"].create(
                    {
                        "picking_type_id": env["stock.picking.type"]
                        .search([("code", "=", "incoming")], limit=1)
                        .id,
                        "location_id": self.suppliers,
                        "location_dest_id": self.stock,
                        "move_ids": [
                            Command.create(
                                {
                                    "name": product.name,
                                    "product_id": product.id,
                                    "product_uom_qty": 5,
                                    "product_uom": product.uom_id.id,
                                    "location_id": self.suppliers,
                                    "location_dest_id": self.stock,
                                    "quantity": 5,
                                    "picked": True,
                                }
                            )
                        ],
                    }
                )
                receipt.action_confirm()
                product_id, receipt_id = product.id, receipt.id

            def reserve(env, picking_id=reserved):
                env["stock.picking"].browse(picking_id).action_assign()

            outcomes = race(
                self.registry,
                [
                    (self.admin, self._validate(delivery)),
                    (self.admin, reserve),
                    (self.admin, self._validate(receipt_id)),
                ],
            )
            seen.update(kind for kind, _tries, _detail in outcomes)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            if any(kind != "done" for kind, _tries, _detail in outcomes):
                raise Violation(f"round {index}: {outcomes}")
            with self.registry.cursor() as cr:
                on_hand = self._on_hand(self._env(cr), product_id)
            if on_hand != 11:
                raise Violation(f"round {index}: {on_hand} on hand, 11 expected")
        return seen

    def group_change_against_delivery(self):
        seen = Counter()
        for index in range(self.rounds):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                product = self._product(
                    env,
                    self.real_time,
                    f"Race desk #{index}",
                    item_group_id=self.old_group,
                )
                receipt = env["stock.move"].create(
                    {
                        "name": "Race receipt",
                        "product_id": product.id,
                        "product_uom_qty": 10,
                        "product_uom": product.uom_id.id,
                        "location_id": self.suppliers,
                        "location_dest_id": self.stock,
                        "price_unit": 5.0,
                    }
                )
                receipt._action_confirm()
                receipt.quantity = 10
                receipt.picked = True
                receipt._action_done()
                picking = self._delivery(env, product, 3)
                product_id, template_id = product.id, product.product_tmpl_id.id

            def change(env, template_id=template_id):
                env["product.template"].browse(
                    template_id
                ).item_group_id = self.new_group

            outcomes = race(
                self.registry,
                [(self.admin, change), (self.admin, self._validate(picking))],
            )
            seen.update(kind for kind, _tries, _detail in outcomes)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            if any(kind != "done" for kind, _tries, _detail in outcomes):
                raise Violation(f"round {index}: {outcomes}")
            with self.registry.cursor() as cr:
                env = self._env(cr)
                value = sum(
                    env["stock.valuation.layer"]
                    .search([("product_id", "=", product_id)])
                    .mapped("value")
                )
                balances = {
                    account.id: round(balance, 2)
                    for account, balance in env["account.move.line"]._read_group(
                        [
                            ("account_id", "in", [self.old_account, self.new_account]),
                            ("parent_state", "=", "posted"),
                        ],
                        ["account_id"],
                        ["balance:sum"],
                    )
                }
            # every round leaves 35.00 on hand, all of it on the new account
            expected = {self.old_account: 0.0, self.new_account: 35.0 * (index + 1)}
            if round(value, 2) != 35.0 or balances != expected:
                raise Violation(
                    f"round {index}: ledger {balances}, expected {expected}, value on"
                    f" hand {value}: {outcomes}"
                )
        return seen

    def approval_against_price_change(self):
        seen = Counter()
        for index in range(self.rounds):
            with self.registry.cursor() as cr:
                env = self._env(cr, self.salesman)
                order = env["sale.order"].create(
                    {
                        "partner_id": self.customer,
                        "order_line": [
                            Command.create({"product_id": self.lamp, "price_unit": 100})
                        ],
                    }
                )
                order_id, form_rate = order.id, order.margin_rate

            def approve(env, order_id=order_id, form_rate=form_rate):
                env["sale.order"].browse(order_id).with_context(
                    margin_rate_seen=form_rate
                ).action_approve_margin()

            def lower_price(env, order_id=order_id):
                env["sale.order"].browse(order_id).order_line.price_unit = 84.21

            outcomes = race(
                self.registry, [(self.manager, approve), (self.salesman, lower_price)]
            )
            seen.update(kind for kind, _tries, _detail in outcomes)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            if outcomes[1][0] != "done" or outcomes[0][0] == "error":
                raise Violation(f"round {index}: {outcomes}")
            with self.registry.cursor() as cr:
                order = self._env(cr)["sale.order"].browse(order_id)
                approved = bool(order.margin_approved_by_id)
                if approved and (
                    order.margin_approved_rate != form_rate
                    or order.margin_rate < order.margin_approved_rate - 0.005
                ):
                    raise Violation(
                        f"round {index}: approved at {order.margin_approved_rate} %"
                        f" while the quotation is at {order.margin_rate} %: {outcomes}"
                    )
                if not order.margin_approval_needed and order.margin_rate < 30:
                    raise Violation(
                        f"round {index}: confirmable at {order.margin_rate}"
                    )
        return seen

    def closings_of_one_day(self):
        seen = Counter()
        start = fields.Date.today() - timedelta(days=self.rounds + 30)
        for index in range(self.rounds):
            day = start + timedelta(days=index)
            with self.registry.cursor() as cr:
                Closing = self._env(cr, self.admin)["stock.valuation.closing"]
                closings = Closing.create([{"date": day}, {"date": day}])
                ids = closings.ids

            def close(env, closing_id):
                env["stock.valuation.closing"].browse(closing_id).action_close()

            outcomes = race(
                self.registry,
                [(self.admin, partial(close, closing_id=i)) for i in ids],
            )
            seen.update(kind for kind, _tries, _detail in outcomes)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            with self.registry.cursor() as cr:
                closings = self._env(cr)["stock.valuation.closing"].browse(ids)
                states = sorted(closings.mapped("state"))
                head = closings.company_id.inventory_closing_id
                if (
                    states != ["done", "draft"]
                    or head not in closings
                    or (head.state != "done")
                    or any(kind == "error" for kind, _tries, _detail in outcomes)
                ):
                    raise Violation(f"round {index}: {states}, {outcomes}")
        return seen

    def _check_frozen_ledger(self, index, closing_id, entry_id, account, day, outcomes):
        """After a race of a closing (first outcome) against the posting of an
        entry on ``account`` dated in its period (second): the closing is done,
        and the entry either refused, naming it, or in the ledger it froze."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            closing = env["stock.valuation.closing"].browse(closing_id)
            frozen = closing.account_ids.filtered(
                lambda line: line.account_id.id == account
            )
            ledger = sum(
                env["account.move.line"]
                .search(
                    [
                        ("account_id", "=", account),
                        ("parent_state", "=", "posted"),
                        ("date", "<=", day),
                    ]
                )
                .mapped("balance")
            )
            state = env["account.move"].browse(entry_id).state if entry_id else None
            refused = outcomes[1][0] == "refused"
            if (
                outcomes[0][0] != "done"
                or closing.state != "done"
                or closing.stale
                or (refused and closing.name not in outcomes[1][2])
                or (state == "posted") == refused
                or round(sum(frozen.mapped("ledger_balance")) - ledger, 2)
            ):
                raise Violation(
                    f"round {index}: entry {state}, ledger {ledger}, frozen"
                    f" {frozen.mapped('ledger_balance')}, closing {closing.state}"
                    f" (stale: {closing.stale}): {outcomes}"
                )

    def closing_against_back_dated_entry(self):
        seen = Counter()
        start = fields.Date.today() - timedelta(days=self.rounds + 5)
        for index in range(self.rounds):
            with self.registry.cursor() as cr:
                env = self._env(cr, self.admin)
                # the last round closes today, the day of the entries to come
                last = index == self.rounds - 1
                day = (
                    fields.Date.context_today(env.user)
                    if last
                    else start + timedelta(days=index)
                )
                closing = env["stock.valuation.closing"].create(
                    {"date": day, "justification": "Race: back-dated entries"}
                )
                entry = env["account.move"].create(
                    {
                        "date": day,
                        "journal_id": self.journal,
                        "line_ids": [
                            Command.create(
                                {"account_id": self.new_account, "debit": 10.0}
                            ),
                            Command.create(
                                {"account_id": self.stock_in, "credit": 10.0}
                            ),
                        ],
                    }
                )
                closing_id, entry_id = closing.id, entry.id

            def close(env, closing_id=closing_id, index=index):
                # one round in two, the entry gets a head start
                time.sleep(0.05 * (index % 2))
                env["stock.valuation.closing"].browse(closing_id).action_close()

            def post(env, entry_id=entry_id):
                env["account.move"].browse(entry_id).action_post()

            outcomes = race(self.registry, [(self.admin, close), (self.admin, post)])
            seen.update(kind for kind, _tries, _detail in outcomes)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            self._check_frozen_ledger(
                index, closing_id, entry_id, self.new_account, day, outcomes
            )
        return seen

    def first_closing_against_opening_entry(self):
        seen = Counter()
        day = fields.Date.today() - timedelta(days=40)
        for index in range(self.rounds):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                company = env["res.company"].create(
                    {"name": f"Race go-live {self.tag} {index}"}
                )
                env.ref("base.user_admin").company_ids |= company
                env = env(context={"allowed_company_ids": company.ids})
                Account = env["account.account"]
                # an account that held stock value: a stock valuation account
                stock, equity = (
                    Account.create(
                        {
                            "name": f"Race go-live {name}",
                            "code": f"G{index}{code}",
                            "account_type": kind,
                            "stock_valuation_history": kind == "asset_current",
                        }
                    )
                    for name, code, kind in (
                        ("stock", "1", "asset_current"),
                        ("equity", "2", "equity"),
                    )
                )
                journal = env["account.journal"].create(
                    {"name": "Race go-live", "code": "GOLIV", "type": "general"}
                )
                # a first closing: the company's books are empty
                closing = env["stock.valuation.closing"].create(
                    {"date": day, "justification": "Race: go-live"}
                )
                closing_id, company_id = closing.id, company.id
                opening = {
                    "date": date(1999, 12, 31) - timedelta(days=index),
                    "journal_id": journal.id,
                    "line_ids": [
                        Command.create({"account_id": stock.id, "debit": 10.0}),
                        Command.create({"account_id": equity.id, "credit": 10.0}),
                    ],
                }
                stock_id = stock.id
            posted = []

            def close(env, closing_id=closing_id, company_id=company_id, index=index):
                time.sleep(0.05 * (index % 2))
                env["stock.valuation.closing"].with_company(company_id).browse(
                    closing_id
                ).action_close()

            def post(env, opening=opening, company_id=company_id, posted=posted):
                posted.clear()  # the entry of the last try alone
                entry = env["account.move"].with_company(company_id).create(opening)
                entry.action_post()
                posted[:] = entry.ids

            outcomes = race(self.registry, [(self.admin, close), (self.admin, post)])
            seen.update(kind for kind, _tries, _detail in outcomes)
            seen["retries"] += sum(tries - 1 for _kind, tries, _detail in outcomes)
            self._check_frozen_ledger(
                index,
                closing_id,
                posted[0] if posted else None,
                stock_id,
                day,
                outcomes,
            )
        return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", str(CONFIG), "-d", args.database, "--log-level=warn"]
    )
    # a serialization failure is expected here, and retried: not an error
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    registry = odoo.modules.registry.Registry(args.database)
    races = Races(registry, args.rounds)
    checks = [
        (
            "two deliveries of 5 from 5 (negative stock forbidden)",
            lambda: races.deliveries(2, 5, 5),
        ),
        ("three deliveries of 1 from 3, which fit", lambda: races.deliveries(3, 1, 3)),
        (
            "a delivery among a reservation and a receipt of its product",
            races.delivery_among_reservations_and_receipts,
        ),
        (
            "an item-group change against a delivery",
            races.group_change_against_delivery,
        ),
        (
            "a margin approval against a price change",
            races.approval_against_price_change,
        ),
        ("two closings of one inventory period", races.closings_of_one_day),
        (
            "a closing against an entry dated in its period",
            races.closing_against_back_dated_entry,
        ),
        (
            "a first closing against an opening balance dated before the books",
            races.first_closing_against_opening_entry,
        ),
    ]
    failed = False
    for label, check in checks:
        start = time.perf_counter()
        try:
            seen = check()
        except Violation as violation:
            say(f"FAILED: {label}: {violation}")
            failed = True
            continue
        say(
            f"{label}: {args.rounds} rounds in {time.perf_counter() - start:.1f} s,"
            f" {dict(sorted(seen.items()))}"
        )
    if failed:
        sys.exit(1)
    say("passed")


if __name__ == "__main__":
    main()
