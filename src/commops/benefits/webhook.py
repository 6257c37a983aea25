"""The webhook provisioner: a signed, idempotent POST to the team's provisioning service (httpx).

Retries with backoff on 5xx, timeouts and dropped connections; never on 4xx (the service said no:
a person looks). The ``Idempotency-Key`` is the decision's write id, so a retry after a crash is one
effect at the receiver. See docs/benefits.md for the payload and how to verify the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from commops.domain.benefit import ProvisioningRefused

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookError", "WebhookProvisioner", "WebhookRefused", "sign"]

SIGNATURE_HEADER = "X-Commops-Signature"
TIMESTAMP_HEADER = "X-Commops-Timestamp"


class WebhookError(Exception):
    """The provisioning service did not provision. ``retryable`` is False for a 4xx answer."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class WebhookRefused(WebhookError, ProvisioningRefused):
    """A 4xx answer (not 429): the request itself is wrong for the service; never retried automatically."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``timestamp + "." + body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass
class WebhookProvisioner:
    url: str
    secret: str
    timeout_s: float = 10.0
    retries: int = 4
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def provision(self, payload: dict[str, Any], idempotency_key: str) -> str | None:
        """POST ``payload``; the subscription id the service answers with (None if it gives none)."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
        client = self.client or httpx.Client(timeout=self.timeout_s)
        delay = 0.5
        try:
            for attempt in range(self.retries + 1):
                timestamp = str(int(self.clock()))
                headers = {
                    "Content-Type": "application/json",
                    "Idempotency-Key": idempotency_key,
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                }
                try:
                    response = client.post(self.url, content=body, headers=headers, timeout=self.timeout_s)
                except httpx.TransportError as exc:  # timeouts, refused and dropped connections
                    error = WebhookError(f"provisioning service unreachable: {type(exc).__name__}", retryable=True)
                else:
                    if response.status_code < 300:
                        return _subscription_id(response)
                    error = _refusal(response)
                if not error.retryable or attempt == self.retries:
                    raise error
                self.sleep(delay)
                delay = min(delay * 2, 8.0)
        finally:
            if self.client is None:
                client.close()
        raise WebhookError("provisioning gave up", retryable=True)  # pragma: no cover - the loop returns or raises


def _refusal(response: httpx.Response) -> WebhookError:
    """The error for a non-2xx answer: 5xx and 429 are worth another try, any other 4xx is a refusal."""
    message = f"provisioning service answered {response.status_code}"
    if response.status_code >= 500 or response.status_code == 429:
        return WebhookError(message, retryable=True)
    detail = " ".join(response.text.split())[:200]  # what the service said, for the person who looks
    return WebhookRefused(f"{message}: {detail}" if detail else message)


def _subscription_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict):
        value = data.get("subscription_id") or (data.get("subscription") or {}).get("id")
        return str(value) if value else None
    return None
