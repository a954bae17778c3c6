/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

tours.add("pcv_margin_salesperson_tour", {
    steps: () => [
        {
            content: "The quotation warns that its margin is too low",
            trigger: ".o_form_view div[name=margin_warning]:contains(Margin too low)",
        },
        {
            content: "The main product and the required rate are shown",
            trigger: ".o_field_widget[name=main_product_id]:contains(PCV Lamp)",
        },
        {
            content: "Try to confirm",
            trigger: ".o_form_statusbar button[name=action_confirm]:visible",
            run: "click",
        },
        {
            content: "Confirmation is refused with the reason",
            trigger: ".modal:contains(cannot be confirmed):contains(30.00 %)",
        },
        {
            content: "Close the error",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "No approval button for a salesperson",
            trigger: ".o_form_statusbar:not(:has(button[name=action_approve_margin]))",
        },
        {
            content: "Ask the sales managers",
            trigger: ".o_form_statusbar button[name=action_request_margin_approval]",
            run: "click",
        },
        {
            content: "The request is shown and the button gone",
            trigger: ".o_form_view:not(:has(.o_form_statusbar button[name=action_request_margin_approval])) div[name=margin_warning]:contains(Approval requested)",
        },
        {
            content: "Still a quotation",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Quotation)",
        },
    ],
});

tours.add("pcv_margin_below_minimum_filter_tour", {
    steps: () => [
        {
            content: "Both quotations are listed, the one below its minimum in red",
            trigger: ".o_list_view .o_data_row.text-danger:contains(PCV Customer)",
        },
        {
            content: "The quotation above its minimum is not in red",
            trigger: ".o_list_view .o_data_row:not(.text-danger):contains(PCV Generous Customer)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the quotations below their minimum margin",
            trigger: ".o_filter_menu .o-dropdown-item:contains(Below Minimum Margin)",
            run: "click",
        },
        {
            content: "Only the quotation below its minimum remains",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(PCV Generous Customer))) .o_data_row.text-danger:contains(PCV Customer)",
        },
    ],
});

tours.add("pcv_margin_manager_tour", {
    steps: () => [
        {
            content: "The quotation warns that its margin is too low",
            trigger: ".o_form_view div[name=margin_warning]:contains(Margin too low)",
        },
        {
            content: "Approve the margin",
            trigger: ".o_form_statusbar button[name=action_approve_margin]",
            run: "click",
        },
        {
            content: "The approval is shown and the warning gone",
            trigger: ".o_form_view:not(:has(div[name=margin_warning])) .o_field_widget[name=margin_approval_summary]:contains(Approved by PCV Sale Manager):contains(20.00 %)",
        },
        {
            content: "Confirm",
            trigger: ".o_form_statusbar button[name=action_confirm]:visible",
            run: "click",
        },
        {
            content: "It is a sales order",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Sales Order)",
        },
    ],
});

tours.add("pcv_valuation_preview_tour", {
    steps: () => [
        {
            content: "Preview the valuation report",
            trigger: ".modal button[name=action_preview_html]",
            run: "click",
        },
        {
            content: "The report opens with its figures",
            trigger: "iframe:iframe .o_pcv_valuation_report:contains(Inventory Valuation by Category):contains(PCV Lamp):contains(Total)",
        },
    ],
});

tours.add("pcv_valuation_drill_down_tour", {
    steps: () => [
        {
            content: "Preview the valuation report",
            trigger: ".modal button[name=action_preview_html]",
            run: "click",
        },
        {
            content: "Open the layers behind the lamp's row",
            trigger: "iframe:iframe .o_pcv_valuation a.o_pcv_drill_ready[data-pcv-drill=layers]:contains(PCV Lamp)",
            run: "click",
        },
        {
            content: "The lamp's layers up to the as-of date, in a list",
            trigger: ".o_breadcrumb:contains(Valuation of PCV Lamp at)",
        },
        {
            content: "One layer: the receipt of five lamps",
            trigger: ".o_list_view:not(:has(.o_data_row + .o_data_row)) .o_data_row:contains(PCV Lamp):contains(5.00)",
        },
    ],
});

tours.add("pcv_inventory_closing_tour", {
    steps: () => [
        {
            content: "A new closing",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Why the ledger may disagree",
            trigger: "div[name=justification] textarea",
            run: "edit Stock counted by the auditors",
        },
        {
            content: "Close the period",
            trigger: ".o_form_statusbar button[name=action_close]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains(Close the period up to this date) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The closing is closed, numbered, and can be reopened",
            trigger: ".o_form_statusbar:has(button[name=action_reopen]) .o_arrow_button_current:contains(Closed)",
        },
        {
            content: "Its name comes from the sequence",
            trigger: ".oe_title:contains(INVCL/)",
        },
    ],
});

tours.add("pcv_invoice_margin_clerk_tour", {
    steps: () => [
        {
            content: "The direct invoice warns that its margin is too low",
            trigger: ".o_form_view div[name=margin_warning]:contains(Margin too low):contains(cannot be posted)",
        },
        {
            content: "Try to confirm it",
            trigger: ".o_form_statusbar button[name=action_post]:visible",
            run: "click",
        },
        {
            content: "Posting is refused with the reason",
            trigger: ".modal:contains(cannot be posted):contains(30.00 %):contains(PCV Lamp)",
        },
        {
            content: "Close the error",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "No approval button without a sales manager's rights",
            trigger: ".o_form_statusbar:not(:has(button[name=action_approve_margin]))",
        },
        {
            content: "Ask the sales managers",
            trigger: ".o_form_statusbar button[name=action_request_margin_approval]",
            run: "click",
        },
        {
            content: "The request is shown and the button gone",
            trigger: ".o_form_view:not(:has(.o_form_statusbar button[name=action_request_margin_approval])) div[name=margin_warning]:contains(Approval requested)",
        },
        {
            content: "Still a draft",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Draft)",
        },
    ],
});

tours.add("pcv_invoice_margin_manager_tour", {
    steps: () => [
        {
            content: "The direct invoice warns that its margin is too low",
            trigger: ".o_form_view div[name=margin_warning]:contains(Margin too low)",
        },
        {
            content: "Approve the margin",
            trigger: ".o_form_statusbar button[name=action_approve_margin]",
            run: "click",
        },
        {
            content: "The warning is gone",
            trigger: ".o_form_view:not(:has(div[name=margin_warning])):not(:has(.o_form_statusbar button[name=action_approve_margin]))",
        },
    ],
});

tours.add("pcv_invoice_margin_post_tour", {
    steps: () => [
        {
            content: "The approved invoice shows no warning",
            trigger: ".o_form_view:not(:has(div[name=margin_warning])) .o_form_statusbar button[name=action_post]:visible",
        },
        {
            content: "Confirm it",
            trigger: ".o_form_statusbar button[name=action_post]:visible",
            run: "click",
        },
        {
            content: "It is posted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
        },
    ],
});

tours.add("pcv_valuation_choose_summary_tour", {
    steps: () => [
        {
            content: "Choose the summary level",
            trigger: ".modal .o_field_widget[name=level] input[data-value=summary]",
            run: "click",
        },
        {
            content: "Preview the valuation report",
            trigger: ".modal button[name=action_preview_html]",
            run: "click",
        },
        {
            content: "The report opens at the summary level",
            trigger: "iframe:iframe .o_pcv_valuation_report:contains(Summary):not(:has(.o_pcv_product))",
        },
    ],
});

tours.add("pcv_valuation_remembered_choices_tour", {
    steps: () => [
        {
            content: "The wizard opens with the level chosen last time",
            trigger: ".modal .o_field_widget[name=level] input[data-value=summary]:checked",
        },
    ],
});
