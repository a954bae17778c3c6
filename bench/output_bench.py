#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every output of the inventory valuation, as a worker of Odoo's prefork server
renders it: its time and peak memory against Odoo's default limits.

Run with the project's virtualenv Python (``make setup`` first):

    .venv/bin/python bench/output_bench.py [--database DB] [--scale] [--fill]

On a database that ``bench/valuation_bench.py`` filled (``pcv_bench``, made by
that script at its defaults; ``--fill`` fills ``--database`` afresh with the same
data: 20,000 products and 1,000,000 layers, at ``--scale`` 100,000 products and
10,000,000 layers into ``pcv_scale``), each output the report's form offers (the
preview and the PDF, at the Summary and the Detail level, the XLSX, the
reconciliation list), without and with the what-if columns, from the whole
history and from an inventory closing (last month's, closed for the run and
reopened and deleted after it), is rendered by a process of its own as the
download route renders it, under the address space limit of an Odoo worker
(``limit_memory_hard``, 2.5 GiB, which wkhtmltopdf inherits) and within its
real-time limit (``limit_time_real``, 120 s: beyond it the process is killed).

It prints, per output: the outcome (``done``; ``refused``: the report refused
it at once, with the message the user reads; ``KILLED``: out of time or
memory), the real and CPU time (``limit_time_cpu``: 60 s), the peak virtual
memory (what ``limit_memory_hard`` bounds) and peak resident memory of the
process, the peak resident memory of its children (wkhtmltopdf, counted from the
fork: at least the process's own at that moment) and the size of what the user
gets; then ``LIMITS over=N``: the outputs that exceeded a limit of the worker
instead of completing or being refused.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import open_registry, vacuum

LIMIT_TIME_REAL = 120  # seconds, Odoo's default
LIMIT_TIME_CPU = 60  # seconds, Odoo's default
LIMIT_MEMORY_HARD = 2560 * 1024 * 1024  # bytes, Odoo's default
REPORT = "product_category_valuation.inventory_valuation"
ENGINE = "report.product_category_valuation.inventory_valuation"
OUTPUTS = (
    ("html", "summary"),
    ("html", "detail"),
    ("pdf", "summary"),
    ("pdf", "detail"),
    ("xlsx", "detail"),
    ("reconciliation", "summary"),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--fill", action="store_true")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="render the PDF and the web page of the detail of more and more "
        "categories, without the report's limits, to measure them",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # JSON: what to render
    args = parser.parse_args()
    args.database = args.database or ("pcv_scale" if args.scale else "pcv_bench")
    return args


def environment(database):
    import odoo
    from odoo import api

    # Odoo's configuration is read once a process
    registry = (
        odoo.modules.registry.Registry(database)
        if odoo.tools.config.get("db_name")
        else open_registry(database, fresh=False)
    )
    cr = registry.cursor()
    env = api.Environment(cr, odoo.SUPERUSER_ID, {})
    admin = env.ref("base.user_admin")
    return env(user=admin.id, context={"lang": "en_US", "tz": "UTC"})


# ----------------------------------------------------------------------
# One output, in a process of its own
# ----------------------------------------------------------------------
def render(env, output, level, what_if, categories=None):
    """What the user gets of ``output``: its size, or the refusal's message;
    with ``categories``, of the products of that many categories alone."""
    from odoo.exceptions import UserError

    data = {
        "company_id": env.company.id,
        "level": level,
        "show_what_if": what_if,
    }
    if categories:
        data["category_ids"] = (
            env["product.category"]
            .search([("name", "=like", "Bench category %")], order="id")[:categories]
            .ids
        )
    Report = env["ir.actions.report"]
    try:
        if output == "reconciliation":
            wizard = env["product.category.valuation.wizard"].create(
                {"company_id": env.company.id, "show_what_if": what_if}
            )
            action = wizard.action_open_reconciliation()
            lines = env[action["res_model"]].search_read(action["domain"])
            return {"size": f"{len(lines)} lines"}
        env[ENGINE]._check_output_size(env[ENGINE]._get_options(data), output)
        if output == "xlsx":
            content = env[f"{ENGINE}_xlsx"]._render_xlsx(data)
        elif output == "pdf":
            content = Report._render_qweb_pdf(REPORT, data=data)[0]
        else:
            content = Report._render_qweb_html(REPORT, [], data=data)[0]
    except UserError as error:
        return {"refused": str(error)}
    return {"size": f"{len(content) / 2**20:.1f} MiB"}


def proc_status(name):
    """A value of /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) * 1024
    return 0


def run_one(args):
    one = json.loads(args.one)
    env = environment(args.database)
    if one.get("unlimited"):
        for output in ("pdf", "html"):
            env["ir.config_parameter"].set_param(
                f"product_category_valuation.detail_rows_limit_{output}", "100000000"
            )
    # the address space of a worker, wkhtmltopdf's included (it inherits it)
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_MEMORY_HARD, LIMIT_MEMORY_HARD))
    start, cpu = time.perf_counter(), time.process_time()
    try:
        result = render(
            env, one["output"], one["level"], one["what_if"], one.get("categories")
        )
    except MemoryError:
        result = {"killed": "out of memory"}
    finally:
        env.cr.rollback()
    result.update(
        seconds=time.perf_counter() - start,
        cpu=time.process_time() - cpu,
        vm_peak=proc_status("VmPeak"),
        rss_peak=proc_status("VmHWM"),
        child_rss=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    )
    print(json.dumps(result))


# ----------------------------------------------------------------------
# Every output
# ----------------------------------------------------------------------
def measure(args, **one):
    command = [
        sys.executable,
        __file__,
        "--database",
        args.database,
        "--one",
        json.dumps(one),
    ]
    start = time.perf_counter()
    try:
        process = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=LIMIT_TIME_REAL + 30,  # the registry's loading before
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"killed": "out of time", "seconds": time.perf_counter() - start}
    lines = process.stdout.strip().splitlines()
    if process.returncode or not lines:
        return {
            "killed": f"exit {process.returncode}: {process.stderr[-300:]}",
            "seconds": time.perf_counter() - start,
        }
    return json.loads(lines[-1])


def over(result):
    """The limits of a worker ``result`` exceeded."""
    if "killed" in result:
        return [result["killed"]]
    exceeded = []
    if result["seconds"] > LIMIT_TIME_REAL:
        exceeded.append("limit_time_real")
    if result["cpu"] > LIMIT_TIME_CPU:
        exceeded.append("limit_time_cpu")
    if result["vm_peak"] > LIMIT_MEMORY_HARD:
        exceeded.append("limit_memory_hard")
    return exceeded


def print_row(label, result):
    mib = 2**20
    if "killed" in result:
        outcome, size = "KILLED", result["killed"][:60]
    elif "refused" in result:
        outcome, size = "refused", result["refused"][:60] + "..."
    else:
        outcome, size = "done", result["size"]
    print(
        f"{label:<44}{outcome:>8}{result['seconds']:>8.1f}"
        f"{result.get('cpu', 0):>7.1f}{result.get('vm_peak', 0) / mib:>8.0f}"
        f"{result.get('rss_peak', 0) / mib:>8.0f}"
        f"{result.get('child_rss', 0) / mib:>9.0f}  {size}",
        flush=True,
    )


def close_last_month(database):
    """An inventory closing at the end of last month, committed; its id."""
    from datetime import timedelta

    from odoo import fields

    env = environment(database)
    end = fields.Date.context_today(env["res.users"]).replace(day=1) - timedelta(1)
    start = time.perf_counter()
    closing = env["stock.valuation.closing"].create(
        {"date": end, "justification": "Output bench"}
    )
    closing.action_close()
    env.cr.commit()
    print(f"closing at {end}: {time.perf_counter() - start:.1f} s", flush=True)
    closing_id = closing.id
    env.cr.close()
    return closing_id


def remove_closing(database, closing_id):
    env = environment(database)
    closing = env["stock.valuation.closing"].browse(closing_id)
    closing.reopen_reason = "Output bench done"
    closing.action_reopen()
    closing.unlink()
    env.cr.commit()
    env.cr.close()


def calibrate(args):
    """The PDF and the web page of the detail of 1, 2, 4... of the 50 bench
    categories, without the report's limits: what the limits are made of."""
    for categories in (1, 2, 4, 8, 16, 32):
        for output in ("pdf", "html"):
            result = measure(
                args,
                output=output,
                level="detail",
                what_if=False,
                categories=categories,
                unlimited=True,
            )
            print_row(f"{output} detail of {categories} categories", result)
            if over(result):
                return


def main():
    args = parse_args()
    if args.one:
        run_one(args)
        return
    if args.fill:
        from valuation_bench import fill

        products, layers = (100000, 10000000) if args.scale else (20000, 1000000)
        open_registry(args.database, fresh=True)
        env = environment(args.database)
        print(f"filling {args.database}: {products} products, {layers} layers...")
        fill(env, products, layers)
        env.cr.commit()
        env.cr.close()
        vacuum(
            args.database,
            "stock_valuation_layer, product_product, product_template,"
            " account_move, account_move_line",
        )
    print(
        f"{'output':<44}{'outcome':>8}{'real s':>8}{'cpu s':>7}{'VM MiB':>8}"
        f"{'RSS MiB':>8}{'child':>9}  size"
    )
    if args.calibrate:
        calibrate(args)
        return
    exceeded = 0
    for start_from in ("the whole history", "a closing"):
        closing_id = (
            close_last_month(args.database)
            if start_from != "the whole history"
            else None
        )
        try:
            for output, level in OUTPUTS:
                for what_if in (False, True):
                    result = measure(args, output=output, level=level, what_if=what_if)
                    label = (
                        f"{output} {level}{' what-if' if what_if else ''}, "
                        f"from {start_from}"
                    )
                    print_row(label, result)
                    exceeded += bool(over(result))
        finally:
            if closing_id:
                remove_closing(args.database, closing_id)
    print(f"LIMITS over={exceeded}")
    if exceeded:
        sys.exit(1)


if __name__ == "__main__":
    main()
