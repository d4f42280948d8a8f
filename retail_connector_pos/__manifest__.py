{
    "name": "Retail Connector: Store POS",
    "summary": "Store sales of a Square point of sale in Odoo's own Point of Sale "
    "books: receipts per store-day session, stock in real time, closing with cash "
    "control, card payouts matched",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/retail-connector/retail-connector",
    "author": "Retail Connector",
    "maintainers": ["retail-connector"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["retail_connector_base", "point_of_sale"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "security/ir.model.access.csv",
        "security/retail_pos_security.xml",
        "security/retail_pos_payout_security.xml",
        "data/product_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_backend_views.xml",
        "views/retail_pos_day_views.xml",
        "views/pos_order_views.xml",
        "views/retail_pos_payout_views.xml",
        "views/retail_guided_fix_views.xml",
        "wizards/retail_map_payment_method_wizard_views.xml",
    ],
    "demo": ["demo/retail_pos_demo.xml"],
}
