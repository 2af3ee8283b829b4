"""`python -m fedaid` runs the command line."""

import sys

from fedaid.cli import main

sys.exit(main())
