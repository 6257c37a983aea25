"""Use cases: one module each, ``(request, ports) -> result``. No CLI, no rendering here."""
