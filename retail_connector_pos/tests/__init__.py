from . import test_receipts
from . import test_franchise
from . import test_closing
from . import test_payouts
from . import test_guided_fixes
