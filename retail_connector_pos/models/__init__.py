from . import retail_location_mapping
from . import retail_pos_day
from . import pos_session
from . import pos_order
from . import retail_backend_square
from . import retail_backend_receipts
