import { registry } from "@web/core/registry";

// Needs (created by the Python test): the sale order of channel order 4101,
// opened by the test's URL, shipped, and its shipment pushed to the channel.
// From the order, Trace lists its chain oldest first: the channel's event,
// then Odoo's shipment call.
registry.category("web_tour.tours").add("retail_connector_trace", {
    steps: () => [
        {
            content: "Open the trace of the channel sale order",
            trigger: ".o_form_view .o-form-buttonbox button[name=action_retail_trace]",
            run: "click",
        },
        {
            content: "The trace is titled after the order",
            trigger: ".o_breadcrumb:contains(Trace of)",
        },
        {
            content: "First: the channel's event that made the order",
            trigger:
                ".o_list_view .o_data_row:nth-child(1):has(.o_data_cell[name=direction]:contains(Inbound)) .o_data_cell[name=topic]:contains(order.created)",
        },
        {
            content: "Then: the shipment Odoo pushed to the channel",
            trigger:
                ".o_list_view .o_data_row:nth-child(2):has(.o_data_cell[name=direction]:contains(Outbound)) .o_data_cell[name=topic]:contains(order.shipped)",
            run: "click",
        },
        {
            content: "The shipment call is done, its payload readable",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=done]",
        },
        {
            content: "Its payload is shown indented",
            trigger: ".o_form_view .o_field_widget[name=payload_readable]:contains(TRACK-9)",
        },
    ],
});
