from . import test_settlement
from . import test_settlement_cycle
