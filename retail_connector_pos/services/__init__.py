from . import receipt_processor
