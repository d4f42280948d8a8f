"""Handler registry: which processor applies which canonical record type.

Channel and feature addons register processors for their canonical types
(returns, POS sales, settlements) without the base knowing them.
"""

_PROCESSORS = {}


def register(canonical_type):
    """Class decorator: `cls` applies records of `canonical_type`."""

    def decorator(cls):
        _PROCESSORS[canonical_type] = cls
        return cls

    return decorator


def processor_for(record):
    """Return the processor class registered for the type of `record`."""
    for klass in type(record).__mro__:
        if klass in _PROCESSORS:
            return _PROCESSORS[klass]
    raise LookupError(f"No processor is registered for {type(record).__name__}")
