from . import test_orders
from . import test_acceptance
from . import test_refunds_stock
from . import test_settlement
from . import test_call_schedule
from . import test_settlement_cycle
