# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.http import content_disposition, request

REPORT = "product_category_valuation.inventory_valuation"
ENGINE = "report.product_category_valuation.inventory_valuation"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class InventoryValuationController(http.Controller):
    @http.route(
        "/product_category_valuation/valuation.<any(pdf,html,xlsx):output>",
        type="http",
        auth="user",
        readonly=True,
    )
    def inventory_valuation(self, output, options=None, **kwargs):
        """The inventory valuation as PDF, HTML or XLSX, from the wizard's
        choices (``options``, JSON). Read-only (so it runs on a read replica when
        Odoo has one): nothing is stored, the file is streamed. Options that are
        missing or not JSON answer 400; the engine refuses bad values (400) and
        records or companies the user may not see (403) before computing
        anything."""
        try:
            data = json.loads(options)
        except (TypeError, ValueError):
            raise BadRequest(
                request.env._(
                    "The inventory valuation needs its options, as JSON: open it "
                    "from its form."
                )
            ) from None
        engine = request.env[ENGINE]
        # checked here, before any rendering
        options = engine._get_options(data)
        engine._check_output_size(options, output)
        filename = f"{engine._filename(options)}.{output}"
        if output == "xlsx":
            content = request.env[f"{ENGINE}_xlsx"]._render_xlsx(data)
        elif output == "pdf":
            content = request.env["ir.actions.report"]._render_qweb_pdf(
                REPORT, data=data
            )[0]
        else:
            content = request.env["ir.actions.report"]._render_qweb_html(
                REPORT, [], data=data
            )[0]
        return request.make_response(
            content,
            headers=[
                ("Content-Type", CONTENT_TYPES[output]),
                ("Content-Length", len(content)),
                (
                    "Content-Disposition",
                    content_disposition(
                        filename, "inline" if output == "html" else "attachment"
                    ),
                ),
            ],
        )
