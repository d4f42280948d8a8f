import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Needs (created by the Python test): a connection "Guided fix channel" with
// orders failed on the unknown SKU LAMP-99, and a product "LAMP 99". From
// the dashboard: the card's top cause, then Confirm in Map SKU.
registry.category("web_tour.tours").add("retail_connector_guided_fix", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "retail_connector_base.menu_retail_root",
            "Open the Retail Connector app"
        ),
        {
            content: "Open the dashboard",
            trigger: '.o_nav_entry[data-menu-xmlid="retail_connector_base.menu_retail_dashboard"]',
            run: "click",
        },
        {
            content: "Click 1: the card's top failure cause",
            trigger:
                ".o_kanban_record:contains(Guided fix channel) a[name=action_fix_top_cause]:contains(LAMP-99)",
            run: "click",
        },
        {
            content: "Map SKU opens on the unknown SKU",
            trigger: ".modal .o_field_widget[name=sku]:contains(LAMP-99)",
        },
        {
            content: "The product with the same SKU is proposed first and selected",
            trigger: ".modal .o_field_widget[name=product_id] input:value(lamp 99)",
        },
        {
            content: "Click 2: Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The failed orders are processed again",
            trigger: ".o_notification:contains(LAMP-99 mapped)",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
