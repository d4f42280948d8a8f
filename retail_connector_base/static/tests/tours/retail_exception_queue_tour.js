import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Needs (created by the Python test): an inbound exchange in state "failed"
// with external id "TOUR-1", failed on an unknown SKU, on an active
// connection. The tour works the exception queue like a back-office user:
// open it, open the failure, read what to do, Retry.
registry.category("web_tour.tours").add("retail_connector_exception_queue", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "retail_connector_base.menu_retail_root",
            "Open the Retail Connector app"
        ),
        {
            content: "Open the exception queue",
            trigger: '.o_nav_entry[data-menu-xmlid="retail_connector_base.menu_retail_exchange"]',
            run: "click",
        },
        {
            content: "The queue shows what needs attention by default",
            trigger: ".o_searchview_facet:contains(Needs Attention)",
        },
        {
            content: "Open the failed exchange",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=external_id]:contains(TOUR-1)",
            run: "click",
        },
        {
            content: "It is failed and says why",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=failed]",
        },
        {
            content: "The error is shown in the alert",
            trigger: ".o_form_view .alert-danger .o_field_widget[name=error]",
        },
        {
            content: "The banner says what happened and what to do (the runbook)",
            trigger:
                ".o_form_view .alert-danger .o_field_widget[name=failure_runbook]:contains(What to do:):contains(Map SKU)",
        },
        {
            content: "Retry it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_retry]",
            run: "click",
        },
        {
            content: "It is queued again",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=queued]",
        },
        {
            content: "Retry is no longer offered",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_retry]))",
        },
    ],
});
