# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the benchmarks share: where Odoo's configuration is, and a scratch
database with the addon installed."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".build" / "odoo.conf"
MODULE = "product_category_valuation"


def create_database(name, modules=MODULE):
    """Drop ``name`` and create it afresh with ``modules`` (the addon by
    default), without demo data."""
    odoo_home = os.environ.get("ODOO_HOME", "/opt/odoo")
    subprocess.run(["dropdb", "--if-exists", name], check=True)
    print(f"installing {modules} into a fresh database {name}...", flush=True)
    subprocess.run(
        [
            sys.executable,
            f"{odoo_home}/odoo-bin",
            "-c",
            str(CONFIG),
            "-d",
            name,
            "-i",
            modules,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def open_registry(database, fresh):
    """Odoo's registry of ``database``, configured like the project's Odoo; the
    database is created afresh with the addon first when ``fresh``."""
    import odoo

    if fresh:
        create_database(database)
    odoo.tools.config.parse_config(
        ["-c", str(CONFIG), "-d", database, "--log-level=warn"]
    )
    return odoo.modules.registry.Registry(database)
