"""Pure code of the point-of-sale channels: signatures, envelopes, receipts."""
