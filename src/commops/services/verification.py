"""The verification step of triage: look up what the rules will need, before they run (over the verifier port)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from commops.domain import Application
from commops.domain.reading import Reading
from commops.ports import NamespaceVerifier

__all__ = ["NAMESPACE_FIELD", "NAMESPACE_INPUT", "ReadInput", "namespace_url", "verify_applications"]

NAMESPACE_FIELD = "namespace_url"
NAMESPACE_INPUT = f"fields.{NAMESPACE_FIELD}"  # the input's path in the rules (its `read:` kind: url)

ReadInput = Callable[[str, Any], Reading | None]  # the rules' reading layer: Evaluator.read_input


def namespace_url(application: Application, read: ReadInput | None = None) -> str | None:
    """The namespace URL to look up: the value the reading layer made of the raw field (``" HTTPS://WWW.
    GitHub.com/Acme/ "`` → ``https://github.com/Acme/``), or None when it is missing, a placeholder
    (``N/A``) or unreadable: unknown is never looked up, so it can never be verified into a qualify."""
    raw = application.fields.get(NAMESPACE_FIELD)
    reading = read(NAMESPACE_INPUT, raw) if read is not None else None
    if reading is None:  # rules that take the field as given: only a non-blank string is a URL
        return raw.strip() if isinstance(raw, str) and raw.strip() else None
    return reading.value if reading.status == "read" and isinstance(reading.value, str) else None


def verify_applications(
    applications: Iterable[Application],
    verifier: NamespaceVerifier,
    needed: Callable[[Application], set[str]],
    read: ReadInput | None = None,
) -> list[Application]:
    """Copies of ``applications`` with ``verifications["namespace"]`` set where the rules need it.

    ``read`` is the rules' reading layer (:meth:`commops.ports.Evaluator.read_input`): the verifier gets the
    normalised URL, never the raw field. An application whose URL is missing or unreadable is left alone:
    the rules ask the applicant for it.
    """
    out: list[Application] = []
    for app in applications:
        url = namespace_url(app, read) if "namespace" in needed(app) else None
        if url is None:
            out.append(app)
            continue
        verification = verifier.verify_namespace(url)
        out.append(app.model_copy(update={"verifications": {**app.verifications, "namespace": verification}}))
    return out
