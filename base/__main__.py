"""``python -m batchscout``: the same as the ``batchscout`` command."""

from batchscout.cli import main

main()
