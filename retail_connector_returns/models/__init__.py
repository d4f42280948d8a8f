from . import retail_backend_returns
from . import retail_return_reason
from . import retail_backend_loop
from . import rma_batch
from . import rma_batch_cycle
from . import retail_return_report
from . import rma
