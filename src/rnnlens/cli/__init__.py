"""The ``rnnlens`` command line: thin typer commands over the library."""
