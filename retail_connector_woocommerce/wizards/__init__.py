from . import retail_woocommerce_publish_wizard
