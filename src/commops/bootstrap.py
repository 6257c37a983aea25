"""Builds adapters from settings. Nothing here runs at import; commands open what they need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from pydantic import SecretStr

from commops.config import Settings
from commops.zendesk import ZendeskGateway

__all__ = ["SANDBOX_AGENT_EMAIL", "open_gateway", "sandbox_settings"]

SANDBOX_AGENT_EMAIL = "commops-bot@sandbox.invalid"


def sandbox_settings(settings: Settings, url: str) -> Settings:
    """``settings`` pointed at a sandbox at ``url``, with the sandbox's agent token."""
    zendesk = settings.zendesk.model_copy(
        update={
            "url": url,
            "subdomain": "",
            "email": settings.zendesk.email or SANDBOX_AGENT_EMAIL,
            "token": SecretStr(settings.sandbox.token),
            "oauth_token": None,
        }
    )
    return settings.model_copy(update={"zendesk": zendesk})


@contextmanager
def open_gateway(settings: Settings, *, notice: Callable[[str], None],
                 on_embedded: Callable[[str], None] | None = None) -> Iterator[ZendeskGateway]:
    """The configured account's gateway; with no account configured, the embedded sandbox's, for the
    life of the context (same zenpy code path either way). ``on_embedded`` is told the embedded
    sandbox's URL when one is started (its forge emulation lives there too)."""
    with ExitStack() as stack:
        if not settings.zendesk.configured:
            from commops.sandbox import start_embedded

            server = start_embedded(settings)
            stack.callback(server.stop)
            notice(f"using the embedded Zendesk sandbox at {server.url} (no account configured)")
            settings = sandbox_settings(settings, server.url)
            if on_embedded is not None:
                on_embedded(server.url)
        gateway = stack.enter_context(ZendeskGateway(settings))
        yield gateway
