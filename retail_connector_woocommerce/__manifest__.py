{
    "name": "Retail Connector: WooCommerce",
    "summary": "Connect a WooCommerce store: orders in; stock, prices, products, "
    "fulfilment, cancellations and refunds out",
    "version": "18.0.1.1.0",
    "category": "Sales/Sales",
    "website": "https://github.com/retail-connector/retail-connector",
    "author": "Retail Connector",
    "maintainers": ["retail-connector"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["retail_connector_base"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "security/ir.model.access.csv",
        "views/retail_backend_views.xml",
        "wizards/retail_woocommerce_publish_wizard_views.xml",
        "views/product_template_views.xml",
    ],
    "demo": [
        "demo/retail_woocommerce_demo.xml",
    ],
}
