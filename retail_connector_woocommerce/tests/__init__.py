from . import test_inbound
from . import test_outbound
from . import test_store_flow
from . import test_silence_store
