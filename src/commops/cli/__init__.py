"""The Typer command-line interface: thin commands over the services."""

__all__: list[str] = []  # the modules are the surface
