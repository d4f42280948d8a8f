from . import test_loop_returns
from . import test_loop_platform
from . import test_outcomes
from . import test_inspection
