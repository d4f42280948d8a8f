from . import main
from . import unavailable
