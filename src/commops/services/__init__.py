"""Use cases: one module each, ``(request, ports) -> result``. No CLI, no rendering here."""

__all__: list[str] = []  # the modules are the surface
