"""``python -m lerkit.cli``: the same as the ``lerkit`` script."""

from lerkit.cli.main import run

if __name__ == "__main__":
    run()
