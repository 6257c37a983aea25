"""A loopback provisioning receiver (``/_provision``): what a team's webhook endpoint does, so the webhook
provisioner can be tried and tested against a real HTTP server.

It checks the HMAC-SHA256 signature when a secret is set (``[sandbox] provision_secret``), counts every
delivery per ``Idempotency-Key``, and takes effect once per key: a repeat answers the same subscription id.
Misbehaviours by path, for tests and demos — each on the *first* delivery of a key only:

- ``/_provision/slow``  takes effect, then answers after ``slow_s`` (longer than a client's timeout)
- ``/_provision/fail``  answers 503 without effect
- ``/_provision/twice`` takes effect, then drops the connection: the client retries and is answered again
- ``/_provision/reject`` answers 422 always (never worth a retry)

``GET /_provision`` shows the deliveries and effects per key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from werkzeug.wrappers import Request

from commops.sandbox.store import SandboxStore

__all__ = ["PREFIX", "receive"]

PREFIX = "/_provision"
_MAX_SKEW_S = 300


def _valid(secret: str, request: Request, body: bytes, now: float) -> bool:
    timestamp = request.headers.get("X-Commops-Timestamp", "")
    signature = request.headers.get("X-Commops-Signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > _MAX_SKEW_S:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def receive(request: Request, store: SandboxStore, secret: str) -> tuple[int, dict[str, Any], str | None]:
    """``(status, body, fault)``: fault is "slow" or "drop" when the answer must misbehave after the effect."""
    mode = request.path.removeprefix(PREFIX).strip("/")
    if request.method == "GET":
        return 200, {"provisions": store.provisions()}, None
    if request.method != "POST":
        return 405, {"error": "MethodNotAllowed"}, None
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return 400, {"error": "MissingIdempotencyKey"}, None
    body = request.get_data()
    if secret and not _valid(secret, request, body, store.clock()):
        return 401, {"error": "InvalidSignature"}, None
    try:
        payload = json.loads(body)
    except ValueError:
        return 400, {"error": "InvalidJSON"}, None
    if mode == "reject":
        return 422, {"error": "Unprocessable", "description": "the receiver refuses this member"}, None
    deliveries = store.provision_delivery(key)
    if mode == "fail" and deliveries == 1:
        return 503, {"error": "ServiceUnavailable"}, None
    subscription, created = store.provision_effect(key, payload)
    answer = {"subscription_id": subscription, "created": created}
    if deliveries == 1 and mode == "slow":
        return 200, answer, "slow"
    if deliveries == 1 and mode == "twice":
        return 200, answer, "drop"
    return (201 if created else 200), answer, None
