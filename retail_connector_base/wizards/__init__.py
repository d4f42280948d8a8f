from . import retail_import_wizard
from . import retail_map_sku_wizard
