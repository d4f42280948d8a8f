from . import retail_backend
from . import retail_mirakl_carrier
