from . import test_order_processing
from . import test_secrets
from . import test_stock
from . import test_webhook
from . import test_jobs
from . import test_outbound
from . import test_tour
from . import test_breaker_retries
