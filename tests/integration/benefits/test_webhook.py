"""The webhook provisioner: signed, idempotent, retried on 5xx/timeouts, never on 4xx — with respx, and
against the sandbox's loopback receiver (/_provision) answering slowly, failing, and answering twice."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from commops.benefits.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookError, WebhookProvisioner
from commops.sandbox import SandboxServer

URL = "https://provision.example.test/members"
SECRET = "s3cret"
PAYLOAD = {"program": "education", "member": {"requester": "a@uni.edu"}, "seats": 30,
           "term": {"start": "2026-01-01", "end": "2027-01-01", "months": 12}}


def provisioner(url: str = URL, **kw: object) -> WebhookProvisioner:
    sleeps: list[float] = []
    return WebhookProvisioner(url=url, secret=SECRET, sleep=sleeps.append, clock=lambda: 1_760_000_000.0,
                              **kw)  # type: ignore[arg-type]


@respx.mock
def test_payload_is_signed_over_timestamp_and_body_with_the_idempotency_key() -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(201, json={"subscription_id": "SUB-9"}))
    assert provisioner().provision(PAYLOAD, "write-abc") == "SUB-9"
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == "write-abc"
    timestamp = request.headers[TIMESTAMP_HEADER]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.content, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == f"sha256={expected}"
    assert json.loads(request.content) == PAYLOAD


@respx.mock
def test_5xx_and_timeouts_are_retried_with_the_same_key_4xx_never() -> None:
    route = respx.post(URL).mock(side_effect=[httpx.Response(503), httpx.ConnectTimeout("slow"),
                                              httpx.Response(200, json={"subscription": {"id": "SUB-1"}})])
    assert provisioner().provision(PAYLOAD, "k1") == "SUB-1"
    assert route.call_count == 3 and {c.request.headers["Idempotency-Key"] for c in route.calls} == {"k1"}

    refused = respx.post(URL + "/refuse").mock(return_value=httpx.Response(422, json={"error": "no"}))
    with pytest.raises(WebhookError) as caught:
        provisioner(URL + "/refuse").provision(PAYLOAD, "k2")
    assert refused.call_count == 1 and not caught.value.retryable


@respx.mock
def test_gives_up_after_the_configured_retries() -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(500))
    with pytest.raises(WebhookError) as caught:
        provisioner(retries=2).provision(PAYLOAD, "k")
    assert route.call_count == 3 and caught.value.retryable


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path / "sandbox.sqlite3", limits=False, provision_secret=SECRET, slow_s=1.5)
    server.store.reset()
    with server:
        yield server


def real(url: str) -> WebhookProvisioner:
    return WebhookProvisioner(url=url, secret=SECRET, timeout_s=0.5, retries=4, sleep=lambda _s: None)


def effects(server: SandboxServer) -> dict[str, tuple[int, int]]:
    return {p["key"]: (p["deliveries"], p["effects"]) for p in server.store.provisions()}


@pytest.mark.parametrize("mode", ["", "/slow", "/fail", "/twice"])
def test_the_loopback_receiver_takes_effect_once_per_key_whatever_the_answer(receiver: SandboxServer,
                                                                             mode: str) -> None:
    url = f"{receiver.url}/_provision{mode}"
    first = real(url).provision(PAYLOAD, "key-1")
    again = real(url).provision(PAYLOAD, "key-1")  # a resumed run sends the same key again
    other = real(url).provision(PAYLOAD, "key-2")
    assert first == again and first != other
    counts = effects(receiver)
    assert counts["key-1"][1] == 1 and counts["key-2"][1] == 1  # one effect per key
    if mode:
        assert counts["key-1"][0] >= 3  # the misbehaving first answer was retried, then the resend


def test_the_receiver_refuses_a_bad_signature_and_a_4xx_is_not_retried(receiver: SandboxServer) -> None:
    bad = WebhookProvisioner(url=f"{receiver.url}/_provision", secret="wrong", retries=3, sleep=lambda _s: None)
    with pytest.raises(WebhookError, match="401"):
        bad.provision(PAYLOAD, "k")
    with pytest.raises(WebhookError, match="422"):
        real(f"{receiver.url}/_provision/reject").provision(PAYLOAD, "k")
    assert effects(receiver) == {}
