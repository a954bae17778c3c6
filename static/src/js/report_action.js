/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
// In Odoo's report viewer, the inventory valuation's rows open their records:
// a product's row its valuation layers up to the as-of date, an account of the
// reconciliation its journal items. The report engine builds each action from
// the report's own options, with the user's rights.
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { ReportAction } from "@web/webclient/actions/reports/report_action";

const ENGINE = "report.product_category_valuation.inventory_valuation";
const METHODS = {
    layers: "action_open_layers",
    journal_items: "action_open_journal_items",
};

patch(ReportAction.prototype, {
    setup() {
        super.setup(...arguments);
        this.orm = useService("orm");
    },

    onIframeLoaded(ev) {
        super.onIframeLoaded(...arguments);
        const document = ev.target.contentWindow.document;
        for (const link of document.querySelectorAll("a[data-pcv-drill]")) {
            link.addEventListener("click", async (clickEv) => {
                clickEv.preventDefault();
                const action = await this.orm.call(ENGINE, METHODS[link.dataset.pcvDrill], [
                    this.props.data,
                    Number(link.dataset.pcvId),
                ]);
                await this.action.doAction(action);
            });
            link.classList.add("o_pcv_drill_ready");
        }
    },
});
