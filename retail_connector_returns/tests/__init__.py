from . import test_loop_returns
