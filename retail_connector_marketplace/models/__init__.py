from . import retail_backend
from . import retail_mirakl_carrier
from . import account_settlement
from . import retail_backend_settlement
from . import retail_mirakl_document
from . import retail_mirakl_transaction
from . import retail_mirakl_settlement_order
