# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the benchmarks share: where Odoo's configuration is, a scratch
database with the addon installed, and rows copied in bulk."""

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


def columns(cr, table):
    """The columns of ``table`` but its id."""
    from odoo.tools import SQL

    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name <> 'id'",
            table,
        )
    )
    return [name for (name,) in cr.fetchall()]


def copy_rows(cr, table, source_id, source, overrides):
    """Insert into ``table`` one copy of its row ``source_id`` per row of the
    SQL ``source`` (a FROM item), with the column ``overrides`` (SQL that may
    read the source's row)."""
    from odoo.tools import SQL

    names = columns(cr, table)
    cr.execute(
        SQL(
            "INSERT INTO %(table)s (%(cols)s) SELECT %(values)s"
            " FROM %(table)s s, %(source)s WHERE s.id = %(id)s",
            table=SQL.identifier(table),
            cols=SQL(", ").join(SQL.identifier(name) for name in names),
            values=SQL(", ").join(
                overrides.get(name, SQL("s.%s", SQL.identifier(name))) for name in names
            ),
            source=source,
            id=source_id,
        )
    )


def vacuum(database, tables):
    """VACUUM ANALYZE the filled ``tables`` (SQL, comma-separated) outside any
    transaction, so that no autovacuum competes with the timings and every
    configuration reads settled pages."""
    subprocess.run(
        ["psql", "-q", "-d", database, "-c", f"VACUUM ANALYZE {tables}"], check=True
    )
