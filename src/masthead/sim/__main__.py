"""`python -m masthead.sim [options]`: the same as `masthead sim [options]`."""

from __future__ import annotations

import sys

from masthead.cli import main

if __name__ == "__main__":
    sys.exit(main(["sim", *sys.argv[1:]]))
