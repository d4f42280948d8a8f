from . import retail_woocommerce_status_mapping
from . import retail_woocommerce_webhook
from . import retail_woocommerce_catalog_item
from . import retail_backend
from . import retail_product_binding
from . import product_template
from . import product_template_attribute_value
from . import product_pricelist_item
