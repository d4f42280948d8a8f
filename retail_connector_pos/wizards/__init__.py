from . import retail_map_payment_method_wizard
