from . import retail_status_mapping
from . import retail_backend
from . import retail_backend_webhook
from . import retail_backend_import
from . import retail_backend_catalog
from . import retail_backend_stock_price
from . import retail_backend_fulfilment
from . import product_template
