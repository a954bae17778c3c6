#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Load benchmark: web-client users at once on a prefork server, with the addon
and with Odoo alone.

Run with the project's virtualenv Python (``make setup`` first):

    .venv/bin/python bench/load_bench.py [--users N] [--seconds S]
                                         [--workers W] [--seed K] [--reuse]

Two scratch databases are made afresh (``--reuse``: as an earlier run left them):
``pcv_load`` with the addon and ``purchase_stock``, ``pcv_load_odoo`` with the
modules the addon extends and ``purchase_stock``, not the addon; both with the
same users, products and stock. Then, for each in turn, this script starts Odoo
itself in prefork mode (``--workers=W --max-cron-threads=1
--limit-time-real=120``, Odoo's default memory limits) on the loopback address
only, has N users log in through ``/web/session/authenticate`` and work for S
seconds through the web client's own routes (``/web/dataset/call_kw``,
``/web/dataset/call_button``, the valuation report's download route), with the
same seeded mix in both databases:

- salespeople: quotations above the minimum margin (create, read back as the
  form reads it, confirm) and below it (likewise; with the addon the
  confirmation is refused and they request an approval);
- a sales manager approving the requests, and confirming those quotations;
- a stock user validating deliveries and receipts of a product whose negative
  physical inventory is forbidden (with the addon), which the quotations
  reserve too ("Mark as To Do" is their confirmation's);
- an accountant downloading the valuation report in XLSX and HTML; in Odoo
  alone, Odoo's own valuation (the layers grouped by product, on screen or
  through Odoo's XLSX export).

The stock is counted first through an inventory adjustment (with its valuation
layers), in both databases alike.

Each user pauses between two actions as people do (``--think``: 2 s on average,
from 1 to 3 s at random), so that the server works under load without being
saturated: the latencies then compare what each request costs, where a
saturated server would multiply the smallest difference by the length of its
queue. Each request has a time limit of its own and the run ends after S seconds;
whatever the script started (the server and its workers) is stopped, then the
database is checked: no negative stock of the ruled product in an internal
location, its stock what the validated pickings make it, no quotation confirmed
below its minimum without a sales manager's approval. It prints, per operation
and database, the count, the failures (a server error the user sees: a request
that exhausted Odoo's retries, a crash, a timeout), the refusals (a message of
Odoo's rules), p50 and p95 in ms; Odoo's retries of requests that failed to
serialize (from its log); then ``RATIO quotation-p50 addon/odoo=…
quotation-p95 addon/odoo=… retries addon/odoo=…`` (the quotation steps that
both databases do alike: create, read back, confirm above the minimum) and
``LOAD failures=N`` (with the addon).
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import requests
from common import CONFIG, MODULE, create_database

ODOO = "sale_margin,sale_stock,stock_account,purchase_stock"
PASSWORD = "load-bench"
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 150  # seconds: beyond Odoo's limit_time_real of 120
QUOTATION_STEPS = ("create", "read", "confirm")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=36)
    parser.add_argument("--port", type=int, default=8369)
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="a user's mean pause between two actions (a quotation, a picking, a "
        "download), in seconds: at random from half to one and a half of it",
    )
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args()


# ----------------------------------------------------------------------
# The databases
# ----------------------------------------------------------------------
def open_registry(database):
    """Odoo's registry of ``database``, the project's configuration read once
    for every database of the run."""
    import odoo

    if not odoo.tools.config.get("db_name"):
        odoo.tools.config.parse_config(
            ["-c", str(CONFIG), "-d", database, "--log-level=warn"]
        )
    return odoo.modules.registry.Registry(database)


def roles(users):
    """The role of each of ``users`` users: an accountant, a stock user and a
    sales manager, then salespeople, half of them below the minimum."""
    fixed = ["accountant", "stock", "manager"]
    rest = max(users - len(fixed), 1)
    below = rest // 2
    return (fixed + ["below"] * below + ["above"] * (rest - below))[:users]


def fill(database, addon, users):
    """Users, products and stock of a fresh ``database``."""
    from odoo import Command, api

    registry = open_registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, 1, {})
        company = env.company
        groups = {
            "above": "sales_team.group_sale_salesman",
            "below": "sales_team.group_sale_salesman",
            "manager": "sales_team.group_sale_manager",
            "stock": "stock.group_stock_user",
            "accountant": "account.group_account_manager",
        }
        # Odoo's own valuation (Inventory > Reporting > Valuation) is for
        # inventory managers: the accountant is one in both databases
        # (and may export it, as Odoo's own export needs)
        extra = {"accountant": ["stock.group_stock_manager", "base.group_allow_export"]}
        for index, role in enumerate(roles(users)):
            env["res.users"].create(
                {
                    "name": f"Load {role} {index}",
                    "login": f"load_{index}",
                    "password": PASSWORD,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.set(
                            [
                                env.ref(xmlid).id
                                for xmlid in (
                                    "base.group_user",
                                    groups[role],
                                    *extra.get(role, ()),
                                )
                            ]
                        )
                    ],
                }
            )
        category = {"name": "Load machines", "property_cost_method": "fifo"}
        if addon:
            category.update(min_margin_rate=25, is_main_article=True)
        machines = env["product.category"].create(category)
        ruled = {"name": "Load ruled"}
        if addon:
            ruled["negative_inventory"] = "forbidden"
        ruled = env["product.category"].create(ruled)
        Product = env["product.product"]
        items = Product.create(
            [
                {
                    "name": f"Load machine {i}",
                    "is_storable": True,
                    "categ_id": machines.id,
                    "standard_price": 100.0,
                    "list_price": 150.0,
                    "taxes_id": [Command.clear()],
                }
                for i in range(20)
            ]
        )
        part = Product.create(
            {
                "name": "Load ruled part",
                "is_storable": True,
                "categ_id": ruled.id,
                "standard_price": 10.0,
                "list_price": 20.0,
                "taxes_id": [Command.clear()],
            }
        )
        # the stock counted, as an inventory adjustment makes it (with its
        # valuation layers)
        stock = env.ref("stock.warehouse0").lot_stock_id
        env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": product.id,
                    "location_id": stock.id,
                    "inventory_quantity": 40 if product == part else 100000,
                }
                for product in items | part
            ]
        ).action_apply_inventory()
        customer = env["res.partner"].create({"name": "Load customer"})
        env["ir.config_parameter"].set_param(
            "load_bench.ids",
            json.dumps({"items": items.ids, "part": part.id, "customer": customer.id}),
        )
        cr.commit()


# ----------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------
class Server:
    """Odoo in prefork mode on the loopback address, started and stopped here."""

    def __init__(self, database, port, workers, log):
        self.database, self.port, self.log = database, port, log
        odoo_home = os.environ.get("ODOO_HOME", "/opt/odoo")
        self.command = [
            sys.executable,
            f"{odoo_home}/odoo-bin",
            "-c",
            str(CONFIG),
            "-d",
            database,
            f"--db-filter=^{database}$",
            f"--workers={workers}",
            "--max-cron-threads=1",
            "--limit-time-real=120",
            f"--http-interface={HOST}",
            f"--http-port={port}",
            "--log-level=info",
            f"--logfile={log}",
        ]

    def __enter__(self):
        Path(self.log).unlink(missing_ok=True)
        self.process = subprocess.Popen(self.command, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url("/web/login"), timeout=5).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"Odoo did not start on {self.url('')} (see {self.log})")

    def __exit__(self, *_exc):
        # the master and its workers, whatever happens
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def url(self, path):
        return f"http://{HOST}:{self.port}{path}"

    def retries(self):
        """The requests Odoo retried after a serialization failure, and those
        that failed on the quants' lock, from its log."""
        text = Path(self.log).read_text(errors="replace")
        return text.count("tries left, try again in")


# ----------------------------------------------------------------------
# The users
# ----------------------------------------------------------------------
class Refused(Exception):
    """A message of Odoo's rules (a UserError): the user reads it."""


class Failed(Exception):
    """What a user sees as a crash: an error the server did not mean."""


class Client:
    """One web-client user: its session, and each request timed."""

    def __init__(self, server, database, login, record):
        self.server, self.record = server, record
        self.session = requests.Session()
        self._rpc(
            "/web/session/authenticate",
            {"db": database, "login": login, "password": PASSWORD},
        )

    def _rpc(self, path, params):
        response = self.session.post(
            self.server.url(path),
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=REQUEST_TIMEOUT,
        )
        if response.status_code != 200:
            raise Failed(f"HTTP {response.status_code}")
        body = response.json()
        error = body.get("error")
        if error:
            name = error.get("data", {}).get("name", "")
            if name in ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError"):
                raise Refused(error["data"].get("message", ""))
            raise Failed(f"{name}: {error.get('data', {}).get('message', '')[:200]}")
        return body.get("result")

    def call(self, operation, model, method, *args, button=False, **kwargs):
        """``model.method(*args, **kwargs)`` through the web client's route,
        timed and recorded as ``operation``."""
        path = "/web/dataset/call_button" if button else "/web/dataset/call_kw"
        start = time.perf_counter()
        outcome = "done"
        try:
            return self._rpc(
                f"{path}/{model}/{method}",
                {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                },
            )
        except Refused:
            outcome = "refused"
            raise
        except (Failed, requests.RequestException):
            outcome = "failed"
            raise
        finally:
            self.record(operation, outcome, time.perf_counter() - start)

    def get(self, operation, path):
        start = time.perf_counter()
        outcome = "done"
        try:
            response = self.session.get(self.server.url(path), timeout=REQUEST_TIMEOUT)
            if response.status_code != 200:
                outcome = "failed"
        except requests.RequestException:
            outcome = "failed"
        self.record(operation, outcome, time.perf_counter() - start)


class Run:
    """The users of one database, working until the deadline."""

    def __init__(self, server, database, addon, args):
        self.server, self.database, self.addon, self.args = (
            server,
            database,
            addon,
            args,
        )
        self.times = defaultdict(list)
        self.outcomes = defaultdict(lambda: defaultdict(int))
        self.lock = threading.Lock()
        self.approvals = []  # quotations waiting for the manager

    def record(self, operation, outcome, seconds):
        with self.lock:
            self.outcomes[operation][outcome] += 1
            if outcome != "failed":
                self.times[operation].append(seconds)

    def play(self, fixtures):
        """Every user at work until the deadline, on the products and customer
        of ``fixtures``."""
        deadline = time.monotonic() + self.args.seconds
        clients = [
            Client(self.server, self.database, f"load_{index}", self.record)
            for index, _role in enumerate(roles(self.args.users))
        ]
        form = self.form_spec(clients[0])
        threads = [
            threading.Thread(
                target=self.user, args=(client, role, index, deadline, fixtures, form)
            )
            for index, (client, role) in enumerate(
                zip(clients, roles(self.args.users), strict=True)
            )
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def form_spec(self, client):
        """The fields the quotation form reads (``web_read``'s specification),
        as the web client builds it from the form view."""
        views = client.call(
            "setup", "sale.order", "get_views", [[False, "form"]], options={}
        )
        fields = views["models"]["sale.order"]["fields"]
        return {name: {} for name in fields}

    def user(self, client, role, index, deadline, fixtures, form):
        rng = random.Random(self.args.seed * 100 + index)
        act = getattr(self, f"act_{role}")
        while time.monotonic() < deadline:
            try:
                act(client, rng, fixtures, form)
            except (Refused, Failed, requests.RequestException):
                pass
            time.sleep(rng.uniform(0.5, 1.5) * self.args.think)

    # --- what each role does --------------------------------------------
    def quotation(self, client, rng, ids, form, price):
        lines = [
            (
                0,
                0,
                {
                    "product_id": rng.choice(ids["items"]),
                    "product_uom_qty": rng.randint(1, 3),
                    "price_unit": price,
                },
            )
        ]
        if rng.random() < 0.3:
            lines.append(
                (
                    0,
                    0,
                    {"product_id": ids["part"], "product_uom_qty": 1, "price_unit": 20},
                )
            )
        order_id = client.call(
            "create",
            "sale.order",
            "create",
            {"partner_id": ids["customer"], "order_line": lines},
        )
        client.call("read", "sale.order", "web_read", [order_id], specification=form)
        return order_id

    def act_above(self, client, rng, ids, form):
        order_id = self.quotation(client, rng, ids, form, 150.0)
        client.call("confirm", "sale.order", "action_confirm", [order_id], button=True)

    def act_below(self, client, rng, ids, form):
        order_id = self.quotation(client, rng, ids, form, 110.0)
        try:
            client.call(
                "confirm below", "sale.order", "action_confirm", [order_id], button=True
            )
        except Refused:
            client.call(
                "request approval",
                "sale.order",
                "action_request_margin_approval",
                [order_id],
                button=True,
            )
            with self.lock:
                self.approvals.append(order_id)

    def act_manager(self, client, rng, ids, form):
        with self.lock:
            order_id = self.approvals.pop(0) if self.approvals else None
        if order_id is None:
            time.sleep(0.2)
            return
        client.call(
            "approve", "sale.order", "action_approve_margin", [order_id], button=True
        )
        client.call(
            "confirm approved", "sale.order", "action_confirm", [order_id], button=True
        )

    def act_stock(self, client, rng, ids, form):
        kind = "receipt" if rng.random() < 0.3 else "delivery"
        picking_type = client.call(
            "setup",
            "stock.picking.type",
            "search",
            [("code", "=", "incoming" if kind == "receipt" else "outgoing")],
            limit=1,
        )[0]
        types = client.call(
            "setup",
            "stock.picking.type",
            "read",
            [picking_type],
            ["default_location_src_id", "default_location_dest_id"],
        )[0]
        picking_id = client.call(
            f"{kind} create",
            "stock.picking",
            "create",
            {
                "picking_type_id": picking_type,
                "location_id": types["default_location_src_id"][0],
                "location_dest_id": types["default_location_dest_id"][0],
                "partner_id": ids["customer"],
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Load",
                            "product_id": ids["part"],
                            "product_uom_qty": rng.randint(1, 4)
                            if kind == "delivery"
                            else rng.randint(3, 8),
                            "location_id": types["default_location_src_id"][0],
                            "location_dest_id": types["default_location_dest_id"][0],
                        },
                    )
                ],
            },
        )
        client.call(
            f"{kind} mark as to do",
            "stock.picking",
            "action_confirm",
            [picking_id],
            button=True,
        )
        moves = client.call(
            "setup", "stock.picking", "read", [picking_id], ["move_ids"]
        )[0]["move_ids"]
        for move in client.call(
            "setup", "stock.move", "read", moves, ["product_uom_qty"]
        ):
            client.call(
                f"{kind} quantity",
                "stock.move",
                "write",
                [move["id"]],
                {"quantity": move["product_uom_qty"], "picked": True},
            )
        client.call(
            f"{kind} validate",
            "stock.picking",
            "button_validate",
            [picking_id],
            button=True,
        )

    def act_accountant(self, client, rng, ids, form):
        output = rng.choice(["xlsx", "html"])
        if not self.addon:
            self.odoo_valuation(client, output)
            return
        wizard = client.call(
            "setup", "product.category.valuation.wizard", "create", {"level": "detail"}
        )
        # the route of the wizard's Export button, for either output
        action = client.call(
            "setup",
            "product.category.valuation.wizard",
            "action_export_xlsx",
            [wizard],
            button=True,
        )
        url = action["url"].replace("valuation.xlsx", f"valuation.{output}")
        client.get(f"valuation {output}", url)

    def odoo_valuation(self, client, output):
        """What an accountant has in Odoo alone: the stock valuation layers
        grouped by product (Inventory > Reporting > Valuation), on screen or
        exported by Odoo's XLSX export."""
        fields = ["product_id", "quantity", "value"]
        if output == "html":
            client.call(
                "valuation html",
                "stock.valuation.layer",
                "web_read_group",
                domain=[],
                fields=[f"{name}:sum" for name in fields[1:]],
                groupby=["product_id"],
                limit=80,
            )
            return
        data = {
            "model": "stock.valuation.layer",
            "fields": [
                {"name": name, "label": name, "type": kind}
                for name, kind in zip(
                    fields, ("many2one", "float", "monetary"), strict=True
                )
            ],
            "ids": False,
            "domain": [],
            "groupby": ["product_id"],
            "context": {},
            "import_compat": False,
        }
        client.get(
            "valuation xlsx",
            "/web/export/xlsx?" + urlencode({"data": json.dumps(data)}),
        )


def read_fixtures(database):
    """The products and customer that ``fill`` made in ``database``."""
    from odoo import api

    registry = open_registry(database)
    with registry.cursor() as cr:
        parameter = api.Environment(cr, 1, {})["ir.config_parameter"]
        return json.loads(parameter.get_param("load_bench.ids"))


# ----------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------
def check(database, addon):
    """What must hold after the load: a list of violations."""
    from odoo import api

    registry = open_registry(database)
    violations = []
    with registry.cursor() as cr:
        env = api.Environment(cr, 1, {})
        ids = json.loads(env["ir.config_parameter"].get_param("load_bench.ids"))
        part = env["product.product"].browse(ids["part"])
        quants = env["stock.quant"].search(
            [("product_id", "=", part.id), ("location_id.usage", "=", "internal")]
        )
        # per location: Odoo may split a location's stock over several quant
        # rows (one it could not lock goes negative beside a positive one)
        by_location = defaultdict(float)
        for quant in quants:
            by_location[quant.location_id] += quant.quantity
        negative = [
            location.display_name
            for location, quantity in by_location.items()
            if quantity < -1e-6
        ]
        if addon and negative:
            violations.append(f"negative stock of {part.name} in {negative}")
        lines = env["stock.move.line"].search(
            [("product_id", "=", part.id), ("state", "=", "done")]
        )
        # the count that made the first stock is a done move too
        made = sum(
            line.quantity
            * (
                (line.location_dest_id.usage == "internal")
                - (line.location_id.usage == "internal")
            )
            for line in lines
        )
        if abs(made - sum(quants.mapped("quantity"))) > 1e-6:
            violations.append(
                f"{part.name}: stock {sum(quants.mapped('quantity'))}, pickings {made}"
            )
        if addon:
            confirmed = env["sale.order"].search(
                [
                    ("state", "=", "sale"),
                    ("margin_below_minimum", "=", True),
                    ("margin_approved_by_id", "=", False),
                ]
            )
            if confirmed:
                violations.append(
                    f"confirmed below the minimum: {confirmed.mapped('name')}"
                )
    return violations


def percentile(times, fraction):
    ordered = sorted(times)
    return (
        ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0
    )


def report(label, run, retries):
    print(f"\n{label}: {retries} requests retried by Odoo after failing to serialize")
    print(f"{'operation':<26}{'count':>7}{'failed':>8}{'refused':>9}", end="")
    print(f"{'p50 ms':>9}{'p95 ms':>9}")
    for operation in sorted(run.outcomes):
        if operation == "setup":
            continue
        outcomes, times = run.outcomes[operation], run.times[operation]
        print(
            f"{operation:<26}{sum(outcomes.values()):>7}{outcomes['failed']:>8}"
            f"{outcomes['refused']:>9}{percentile(times, 0.5) * 1000:>9.0f}"
            f"{percentile(times, 0.95) * 1000:>9.0f}"
        )


def ratio(addon_times, odoo_times, fraction):
    return percentile(addon_times, fraction) / max(
        percentile(odoo_times, fraction), 1e-9
    )


def main():
    args = parse_args()
    databases = (("pcv_load", True), ("pcv_load_odoo", False))
    if not args.reuse:
        for database, addon in databases:
            create_database(database, f"{MODULE},purchase_stock" if addon else ODOO)
            fill(database, addon, args.users)
    runs = {}
    for database, addon in databases:
        fixtures = read_fixtures(database)
        log = f"/tmp/{database}.log"
        with Server(database, args.port, args.workers, log) as server:
            print(
                f"{database}: {args.users} users for {args.seconds} s on "
                f"{args.workers} workers...",
                flush=True,
            )
            run = Run(server, database, addon, args)
            run.play(fixtures)
        runs[addon] = (run, server.retries(), check(database, addon))
    failures = 0
    for addon, (run, retries, violations) in runs.items():
        report("with the addon" if addon else "Odoo alone", run, retries)
        for violation in violations:
            print(f"VIOLATION {violation}")
        if addon:
            failures = sum(outcomes["failed"] for outcomes in run.outcomes.values())
    times = {addon: run.times for addon, (run, _retries, _violations) in runs.items()}
    print()
    for step in QUOTATION_STEPS:
        print(
            f"quotation {step} addon/odoo: p50 "
            f"{ratio(times[True][step], times[False][step], 0.5):.2f}"
            f" p95 {ratio(times[True][step], times[False][step], 0.95):.2f}"
        )
    quotation = {
        addon: [time for step in QUOTATION_STEPS for time in times[addon][step]]
        for addon in times
    }
    print(
        "RATIO quotation-p50 addon/odoo="
        f"{ratio(quotation[True], quotation[False], 0.5):.2f}"
        " quotation-p95 addon/odoo="
        f"{ratio(quotation[True], quotation[False], 0.95):.2f}"
        f" retries addon/odoo={runs[True][1] / max(runs[False][1], 1):.2f}"
    )
    print(f"LOAD failures={failures}")
    if any(violations for _run, _retries, violations in runs.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
