"""``python -m attnscope``: the same command line as the ``attnscope`` script."""

from attnscope.cli import main

if __name__ == "__main__":
    main()
