{
    "name": "Retail Connector: Mirakl Marketplaces",
    "summary": "Sell on Mirakl marketplaces: orders accepted by stock, shipped with "
    "tracking, refunded both ways, stock imports, payouts reconciled",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/retail-connector/retail-connector",
    "author": "Retail Connector",
    "maintainers": ["retail-connector"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["retail_connector_base", "account"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "security/ir.model.access.csv",
        "security/retail_marketplace_security.xml",
        "data/queue_job_data.xml",
        "views/retail_backend_views.xml",
        "views/retail_mirakl_settlement_views.xml",
        "data/ir_cron_settlement.xml",
    ],
    "demo": [],
}
