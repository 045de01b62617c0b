"""``python -m backend.cli`` runs the ``canopy`` command line."""

from backend.cli import main

if __name__ == "__main__":
    main()
