"""The package's public surface: complete, sorted, importable; zenpy stays inside commops.zendesk."""

from __future__ import annotations

import commops.zendesk as zendesk


def test_exports_are_sorted_and_importable() -> None:
    assert zendesk.__all__ == sorted(zendesk.__all__)
    for name in zendesk.__all__:
        assert getattr(zendesk, name) is not None


def test_gateway_implements_the_port() -> None:
    from commops.ports import TicketGateway

    port_methods = {m for m in vars(TicketGateway) if not m.startswith("_")}
    assert port_methods <= set(dir(zendesk.ZendeskGateway))
