{
    "name": "Retail Connector: test channel",
    "summary": "The smallest channel written against the channel contract (tests only)",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/retail-connector/retail-connector",
    "author": "Retail Connector",
    "license": "LGPL-3",
    "depends": ["retail_connector_base"],
    "data": ["data/queue_job_data.xml"],
    "installable": True,
}
