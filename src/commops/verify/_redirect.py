"""Forge requests sent to the sandbox's forge emulation instead (``[verify] forge_url``).

A transport, so the verifier's own logic does not change: requests for the GitHub API base
(``github_api_url``) go to ``<forge_url>/_forges/github/...`` and requests for any GitLab base in
``gitlab_urls`` to ``<forge_url>/_forges/gitlab/...`` (``/api/v4`` kept), over real loopback HTTP. Requests
already for ``forge_url`` (the emulation's own pagination links) go as they are; any other host is
refused with a ``ConnectError``, so a verifier pointed at a sandbox never reaches a real forge. Tokens
are not sent to the sandbox: it needs none.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from commops.config import VerifySettings

__all__ = ["ForgeRedirectTransport", "forge_transport"]

_TOKEN_HEADERS = ("authorization", "private-token")


def _origin(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path without trailing slash) of a base URL."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme or "https"
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/")


class ForgeRedirectTransport(httpx.BaseTransport):
    """Rewrites forge API requests onto ``forge_url`` (see the module docstring)."""

    def __init__(self, forge_url: str, settings: VerifySettings, inner: httpx.BaseTransport | None = None) -> None:
        self._target = _origin(forge_url)
        if self._target[0] not in ("http", "https") or not self._target[1]:
            raise ValueError(f"[verify] forge_url {forge_url!r} is not an http(s) URL")
        self._bases = [(_origin(settings.github_api_url), "github")]
        self._bases += [(_origin(url), "gitlab") for url in settings.gitlab_urls]
        self._inner = inner or httpx.HTTPTransport()

    def _rewrite(self, url: httpx.URL) -> httpx.URL | None:
        scheme, host, port, prefix = self._target
        path = url.raw_path.decode("ascii")
        if (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)) == (scheme, host, port):
            return url
        for (b_scheme, b_host, b_port, b_path), forge in self._bases:
            here = (url.scheme, url.host.lower(), url.port or (443 if url.scheme == "https" else 80))
            if here != (b_scheme, b_host, b_port) or not (path == b_path or path.startswith(b_path + "/")
                                                           or (b_path and path.startswith(b_path + "?"))):
                continue
            rest = path[len(b_path):] or "/"
            return url.copy_with(scheme=scheme, host=host, port=port,
                                 raw_path=f"{prefix}/_forges/{forge}{rest}".encode("ascii"))
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = self._rewrite(request.url)
        if url is None:
            raise httpx.ConnectError(
                f"[verify] forge_url is set: no request to {request.url.host} (not a configured forge)",
                request=request,
            )
        headers = httpx.Headers([(k, v) for k, v in request.headers.multi_items() if k.lower() not in _TOKEN_HEADERS])
        headers["Host"] = url.netloc.decode("ascii")
        sent = httpx.Request(request.method, url, headers=headers, stream=request.stream,
                             extensions=request.extensions)
        return self._inner.handle_request(sent)

    def close(self) -> None:
        self._inner.close()


def forge_transport(settings: VerifySettings) -> httpx.BaseTransport | None:
    """The redirecting transport when ``settings.forge_url`` is set, else None (the real forges)."""
    return ForgeRedirectTransport(settings.forge_url, settings) if settings.forge_url else None
