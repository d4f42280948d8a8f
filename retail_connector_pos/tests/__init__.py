from . import test_receipts
