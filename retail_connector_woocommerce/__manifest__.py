{
    "name": "Retail Connector: WooCommerce",
    "summary": "Connect a WooCommerce store: orders in; stock, prices, products, "
    "fulfilment, cancellations and refunds out",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/retail-connector/retail-connector",
    "author": "Retail Connector",
    "maintainers": ["retail-connector"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["retail_connector_base"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "security/retail_woocommerce_security.xml",
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "views/retail_woocommerce_webhook_views.xml",
        "views/retail_woocommerce_status_mapping_views.xml",
        "views/retail_woocommerce_catalog_views.xml",
        "views/retail_backend_views.xml",
        "wizards/retail_woocommerce_publish_wizard_views.xml",
        "views/product_template_views.xml",
        "views/retail_woocommerce_menus.xml",
    ],
    "demo": [
        "demo/retail_woocommerce_demo.xml",
    ],
}
