"""Entry point of ``python3 -m tests.bench`` (``make bench``)."""

import sys

from tests.bench.run import main

sys.exit(main())
