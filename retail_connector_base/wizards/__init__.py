from . import retail_guided_fix
from . import retail_import_wizard
from . import retail_map_sku_wizard
from . import retail_map_tax_wizard
from . import retail_map_status_wizard
from . import retail_fix_pricelist_wizard
from . import retail_map_location_wizard
