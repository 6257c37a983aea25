"""Packaged data: the starter configuration."""

__all__: list[str] = []  # the modules are the surface
