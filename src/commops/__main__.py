"""``python -m commops``: the same command as ``commops``."""

from commops.cli.app import main

if __name__ == "__main__":
    main()
