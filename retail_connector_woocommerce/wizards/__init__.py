from . import retail_woocommerce_import_wizard
from . import retail_woocommerce_publish_wizard
