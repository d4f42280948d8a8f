"""Constants of the returns addon's Odoo layer (Loop's API facts are in
``tools/loop.py``)."""

CHANNEL = "loop"

# Name under which the connection's Loop API key is stored encrypted.
SECRET_API_KEY = "loop_api_key"

# When the money of a channel return leaves: the policy of its connection.
REFUND_WHEN = [
    ("approval", "On approval"),
    ("receipt", "When the goods are received"),
    ("inspection", "After inspection"),
]
DEFAULT_REFUND_WHEN = "receipt"

# The RMA operation of each policy (see data/rma_operation_data.xml).
OPERATION_BY_POLICY = {
    "approval": "retail_connector_returns.rma_operation_refund_on_approval",
    "receipt": "retail_connector_returns.rma_operation_refund_after_receipt",
    "inspection": "retail_connector_returns.rma_operation_refund_after_inspection",
}

OUTCOMES = [
    ("refund", "Refund"),
    ("exchange", "Exchange"),
    ("credit", "Store credit"),
]
