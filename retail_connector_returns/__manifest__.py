{
    "name": "Retail Connector: Returns",
    "summary": "Returns from every channel on OCA RMAs: grouped per channel return, "
    "refunded once through the channel that sold, Loop returns platform",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/retail-connector/retail-connector",
    "author": "Retail Connector",
    "maintainers": ["retail-connector"],
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": [
        "retail_connector_base",
        "rma_sale",
        "rma_batch",
        "rma_reason",
        "loyalty",
    ],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "security/ir.model.access.csv",
        "security/retail_returns_security.xml",
        "data/rma_operation_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_backend_views.xml",
        "views/retail_return_report_views.xml",
        "views/rma_views.xml",
    ],
}
