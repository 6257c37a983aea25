"""The verification step of triage: look up what the rules will need, before they run (over the verifier port)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from commops.domain import Application
from commops.ports import NamespaceVerifier

__all__ = ["NAMESPACE_FIELD", "verify_applications"]

NAMESPACE_FIELD = "namespace_url"


def verify_applications(
    applications: Iterable[Application],
    verifier: NamespaceVerifier,
    needed: Callable[[Application], set[str]],
) -> list[Application]:
    """Copies of ``applications`` with ``verifications["namespace"]`` set where the rules need it.

    An application without a ``namespace_url`` answer is left alone: the rules ask the applicant for it.
    """
    out: list[Application] = []
    for app in applications:
        url = app.fields.get(NAMESPACE_FIELD)
        if "namespace" not in needed(app) or not isinstance(url, str) or not url.strip():
            out.append(app)
            continue
        verification = verifier.verify_namespace(url)
        out.append(app.model_copy(update={"verifications": {**app.verifications, "namespace": verification}}))
    return out
