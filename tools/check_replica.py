#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Prove that every output of the inventory valuation report runs on a read
replica and writes nothing.

    .venv/bin/python tools/check_replica.py DATABASE

DATABASE must hold the addon (``make test`` uses a copy of its test database); it
gets an accounting user and a product in stock. Then:

1. a streaming replica of the local PostgreSQL cluster is made with
   ``pg_basebackup`` (a second cluster on another port, every statement logged);
2. Odoo is started with ``--db_replica_host`` / ``--db_replica_port`` on it;
3. the PDF, the HTML and the XLSX are downloaded over HTTP as the accountant;
4. the replica's own log must show the valuation query once per output, and
   Odoo's log no read-only transaction retried on the primary.

Run as root (the replica cluster belongs to the ``postgres`` system user).
Exits non-zero, with the reason, on the first failure.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import odoo
from odoo import Command, api

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".build" / "odoo.conf"
MODULE = "product_category_valuation"
REPLICA_PORT = 5499
HTTP_PORT = 8369
SOCKETS = "/var/run/postgresql"
LOGIN = "pcv_replica_accountant"
TAG = "product_category_valuation: inventory valuation"


def step(message):
    print(f"[{MODULE}] replica check: {message}", flush=True)


def fail(message):
    step(f"FAILED: {message}")
    sys.exit(1)


def as_postgres(*command):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        check=True,
        capture_output=True,
        text=True,
    )


def pg_bin():
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: p.name)
    return versions[-1] / "bin"


def prepare_data(database):
    """An accountant with a password and a received product, committed."""
    odoo.tools.config.parse_config(
        ["-c", str(CONFIG), "-d", database, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", LOGIN)])
        if not user:
            user = env["res.users"].create(
                {
                    "name": "Replica Accountant",
                    "login": LOGIN,
                    "password": LOGIN,
                    "groups_id": [
                        Command.set([env.ref("account.group_account_user").id])
                    ],
                }
            )
        product = env["product.product"].create(
            {"name": "Replica Lamp", "is_storable": True, "standard_price": 7}
        )
        move = env["stock.move"].create(
            {
                "name": "Replica receipt",
                "product_id": product.id,
                "product_uom_qty": 3,
                "product_uom": product.uom_id.id,
                "location_id": env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": env.ref("stock.stock_location_stock").id,
            }
        )
        move._action_confirm()
        move.quantity = 3
        move.picked = True
        move._action_done()
        company_id = env.company.id
    return company_id


def start_replica(directory):
    as_postgres(
        str(pg_bin() / "pg_basebackup"),
        "-D",
        directory,
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
    )
    Path(directory, "postgresql.conf").write_text(
        f"port = {REPLICA_PORT}\n"
        "listen_addresses = ''\n"
        f"unix_socket_directories = '{SOCKETS}'\n"
        "hot_standby = on\n"
        "log_statement = 'all'\n"
        "log_line_prefix = '%m [%p] %d '\n"
    )
    Path(directory, "pg_hba.conf").write_text("local all all peer\n")
    for name in ("postgresql.conf", "pg_hba.conf"):
        shutil.chown(Path(directory, name), "postgres", "postgres")
    as_postgres(
        str(pg_bin() / "pg_ctl"),
        "-D",
        directory,
        "-l",
        f"{directory}/replica.log",
        "-w",
        "start",
    )


def replica_sql(database, query):
    return subprocess.run(
        ["psql", "-h", SOCKETS, "-p", str(REPLICA_PORT), "-d", database, "-Atc", query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def start_odoo(database, log):
    odoo_home = os.environ.get("ODOO_HOME", "/opt/odoo")
    return subprocess.Popen(
        [
            sys.executable,
            f"{odoo_home}/odoo-bin",
            "-c",
            str(CONFIG),
            "-d",
            database,
            f"--db-filter=^{database}$",
            f"--http-port={HTTP_PORT}",
            "--http-interface=127.0.0.1",
            f"--db_replica_host={SOCKETS}",
            f"--db_replica_port={REPLICA_PORT}",
            "--log-level=info",
            "--max-cron-threads=0",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def http_session():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def wait_for_odoo(opener):
    for _attempt in range(120):
        try:
            opener.open(f"http://127.0.0.1:{HTTP_PORT}/web/login", timeout=5)
            return
        except OSError:
            time.sleep(1)
    fail("Odoo did not answer on the replica settings")


def download(opener, database, company_id):
    request = urllib.request.Request(
        f"http://127.0.0.1:{HTTP_PORT}/web/session/authenticate",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "params": {"db": database, "login": LOGIN, "password": LOGIN},
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json.load(opener.open(request, timeout=30))
    if answer.get("error"):
        fail(f"cannot log in as {LOGIN}: {answer['error']}")
    options = json.dumps(
        {"company_id": company_id, "group_by": "category", "level": "detail"}
    )
    outputs = {}
    for output, magic in (("pdf", b"%PDF"), ("html", b"<"), ("xlsx", b"PK")):
        url = (
            f"http://127.0.0.1:{HTTP_PORT}/product_category_valuation/"
            f"valuation.{output}?{urlencode({'options': options})}"
        )
        with opener.open(url, timeout=120) as response:
            content = response.read()
        if response.status != 200 or not content.lstrip().startswith(magic):
            fail(f"the {output.upper()} download failed ({response.status})")
        outputs[output] = content
        step(f"{output.upper()} downloaded: {len(content)} bytes")
    if b"Replica Lamp" not in outputs["html"]:
        fail("the HTML does not show the product in stock")
    return outputs


def main():
    if len(sys.argv) != 2:
        fail("usage: check_replica.py DATABASE")
    if os.geteuid() != 0:
        fail("run as root: the replica cluster belongs to the postgres user")
    database = sys.argv[1]
    company_id = prepare_data(database)
    step(f"data committed in {database}")
    directory = tempfile.mkdtemp(prefix="pcv_replica_")
    shutil.chown(directory, "postgres", "postgres")
    os.chmod(directory, 0o700)
    odoo_log_path = Path(directory).with_suffix(".odoo.log")
    server = None
    try:
        start_replica(directory)
        if replica_sql(database, "SELECT pg_is_in_recovery()") != "t":
            fail(f"the cluster on port {REPLICA_PORT} is not a replica")
        step(f"streaming replica on port {REPLICA_PORT} (pg_basebackup)")
        with open(odoo_log_path, "w") as odoo_log:
            server = start_odoo(database, odoo_log)
            opener = http_session()
            wait_for_odoo(opener)
            download(opener, database, company_id)
        replica_log = Path(directory, "replica.log").read_text(errors="replace")
        runs = replica_log.count(TAG)
        if runs < 3:
            fail(f"the replica ran the valuation query {runs} times, not 3 or more")
        step(f"the replica's own log shows the valuation query {runs} times")
        odoo_log_text = odoo_log_path.read_text(errors="replace")
        if "retrying with a read/write cursor" in odoo_log_text:
            fail("a report output wrote, and was retried on the primary")
        step("no output was retried on the primary: the report wrote nothing")
    finally:
        if server:
            server.terminate()
            server.wait(30)
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(pg_bin() / "pg_ctl"),
                "-D",
                directory,
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)
    step("passed")


if __name__ == "__main__":
    main()
