"""Pure code of the returns platforms: signatures, payloads -> canonical."""
