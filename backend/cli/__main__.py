"""``python -m backend.cli`` runs the ``canopy`` command line."""

from backend.cli import main

main()
