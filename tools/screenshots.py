#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Take the README's screenshots from the running demo (``make demo``).

    .venv/bin/python tools/screenshots.py [--url http://127.0.0.1:8069]

Logs in as admin / admin, opens each page in headless Chromium (driven through
the DevTools protocol) and writes PNG files to static/description/.
"""

import argparse
import base64
import html
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import requests
import websocket

OUT = Path(__file__).resolve().parent.parent / "static" / "description"
MODULE = "product_category_valuation"


class Browser:
    def __init__(self, port=9333):
        self.profile = tempfile.mkdtemp(prefix="pcv-chromium-")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "--window-size=1440,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                    pages = [t for t in json.load(answer) if t["type"] == "page"]
                break
            except OSError:
                time.sleep(0.2)
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"])
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def shoot(self, url, path, wait=4.0, clicks=()):
        """``url`` as shown after ``wait`` seconds and a click on each of
        ``clicks`` in turn (a menu, a button): a CSS selector, or (selector,
        text) for the element of that selector that reads ``text``."""
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        for click in clicks:
            selector, text = click if isinstance(click, tuple) else (click, None)
            self.call(
                "Runtime.evaluate",
                expression=f"[...document.querySelectorAll({json.dumps(selector)})]"
                f".find(e => {json.dumps(text)} === null"
                f" || e.textContent.trim() === {json.dumps(text)}).click()",
            )
            time.sleep(2.0)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"{path} <- {url}")

    def close(self):
        self.socket.close()
        self.process.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def rpc(session, url, model, method, *args, **kwargs):
    answer = session.post(
        f"{url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs,
            },
        },
    ).json()
    if "error" in answer:
        raise RuntimeError(answer["error"]["data"]["message"])
    return answer["result"]


def closed_yesterday(session, url):
    """The id of an inventory closing of yesterday, closed now (the latest
    closing reopened and closed again if there is one)."""
    Closing = "stock.valuation.closing"
    latest = rpc(session, url, Closing, "search", [("state", "=", "done")], limit=1)
    if latest:
        rpc(session, url, Closing, "write", latest, {"reopen_reason": "Screenshots"})
        rpc(session, url, Closing, "action_reopen", latest)
        closing = latest[0]
    else:
        yesterday = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))
        closing = rpc(
            session,
            url,
            Closing,
            "create",
            {"date": yesterday, "justification": "Demo: periodic categories"},
        )
    rpc(session, url, Closing, "action_close", [closing])
    return closing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--database", default="pcv_demo")
    parser.add_argument("--lang", default="en_US", help="e.g. fr_FR")
    parser.add_argument("--out", default=str(OUT), help="where to write the PNG files")
    args = parser.parse_args()
    url = args.url
    session = requests.Session()
    session.post(
        f"{url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": args.database, "login": "admin", "password": "admin"},
        },
    ).raise_for_status()

    def xmlid(name):
        found = rpc(
            session,
            url,
            "ir.model.data",
            "search_read",
            [("module", "=", MODULE), ("name", "=", name)],
            ["res_id"],
        )
        return found[0]["res_id"]

    if args.lang != "en_US":
        lang = rpc(
            session,
            url,
            "res.lang",
            "search",
            [("code", "=", args.lang)],
            context={"active_test": False},
        )
        wizard = rpc(
            session,
            url,
            "base.language.install",
            "create",
            {"lang_ids": [(6, 0, lang)], "overwrite": True},
        )
        rpc(session, url, "base.language.install", "lang_install", [wizard])
    # the admin's language, back to English after a run in another one
    uid = rpc(session, url, "res.users", "search", [("login", "=", "admin")])
    rpc(session, url, "res.users", "write", uid, {"lang": args.lang})
    company = rpc(session, url, "res.users", "read", [2], ["company_id"])
    options = json.dumps(
        {
            "company_id": company[0]["company_id"][0],
            "group_by": "category",
            "level": "summary",
        }
    )
    # the filter's label, in the user's language
    search = rpc(
        session,
        url,
        "sale.order",
        "get_views",
        [[False, "search"]],
        context={"lang": args.lang},
    )["views"]["search"]["arch"]
    below_minimum = re.search(
        r'<filter string="([^"]*)" name="margin_below_minimum"', search
    ).group(1)
    closing = closed_yesterday(session, url)
    # the tabs' titles, in the user's language
    closing_form = rpc(
        session,
        url,
        "stock.valuation.closing",
        "get_views",
        [[False, "form"]],
        context={"lang": args.lang},
    )["views"]["form"]["arch"]
    tabs = dict(
        (name, html.unescape(title))
        for title, name in re.findall(
            r'<page string="([^"]*)" name="([^"]*)"', closing_form
        )
    )
    closing_page = f"/odoo/action-{MODULE}.stock_valuation_closing_action/{closing}"
    pages = {
        "closing_form.png": closing_page,
        "closing_receipts.png": (
            closing_page,
            ((".o_notebook .nav-link", tabs["receipts"]),),
        ),
        # what FIFO and LIFO keep on hand at the closing, receipt by receipt
        "closing_on_hand.png": (
            closing_page,
            ("button[name=action_open_on_hand]",),
        ),
        "closing_accounts.png": (
            closing_page,
            ((".o_notebook .nav-link", tabs["accounts"]),),
        ),
        "category_form.png": "/odoo/product.category/%s" % xmlid("demo_category_desks"),
        "quotation_below_minimum.png": "/odoo/sale.order/%s"
        % xmlid("demo_quotation_below"),
        "invoice_below_minimum.png": "/odoo/account.move/%s"
        % xmlid("demo_invoice_below"),
        "margin_by_main_article.png": f"/odoo/action-{MODULE}."
        "action_sale_report_main_article",
        "item_group_form.png": "/odoo/product.item.group/%s"
        % xmlid("demo_item_group_furniture"),
        "item_model_group_form.png": "/odoo/product.item.model.group/%s"
        % xmlid("demo_item_model_group_fifo"),
        "valuation_report.png": f"/{MODULE}/valuation.html?"
        + urllib.parse.urlencode({"options": options}),
        # the form: a day by default, valued at its end
        "valuation_wizard.png": f"/odoo/action-{MODULE}.valuation_report_wizard_action",
        # the quotations below their minimum, in red, filtered
        "quotations_below_minimum.png": (
            "/odoo/action-sale.action_quotations_with_onboarding",
            (
                ".o_searchview_dropdown_toggler",
                (".o_filter_menu .o_menu_item", html.unescape(below_minimum)),
            ),
        ),
        # a View category's products: read-only, no New
        "view_category_products.png": (
            "/odoo/product.category/%s" % xmlid("demo_category_office"),
            ("button[name=action_open_products]",),
        ),
    }
    browser = Browser()
    try:
        browser.call("Page.enable")
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=url,
        )
        out = Path(args.out)
        browser.shoot(f"{url}/odoo", out / "warm-up.png", wait=10)  # assets
        (out / "warm-up.png").unlink()
        for filename, page in pages.items():
            path, clicks = page if isinstance(page, tuple) else (page, ())
            browser.shoot(f"{url}{path}", out / filename, clicks=clicks)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
