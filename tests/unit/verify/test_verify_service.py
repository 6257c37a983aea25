"""verify_applications asks the verifier only for what the rules need, and returns copies."""

from __future__ import annotations

from datetime import UTC, datetime

from commops.domain import Application, Verification, VerificationStatus
from commops.verify import verify_applications

T = datetime(2026, 11, 2, tzinfo=UTC)


class FakeVerifier:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def verify_namespace(self, url: str) -> Verification:
        self.asked.append(url)
        return Verification(kind="namespace", status=VerificationStatus.VERIFIED, source_url=url)


def app(ticket_id: int, program: str, **fields: object) -> Application:
    return Application(ticket_id=ticket_id, program=program, fields=fields, created_at=T, updated_at=T)


def needs(application: Application) -> set[str]:
    return {"namespace"} if application.program == "open_source" else set()


def test_only_applications_that_need_it_are_verified() -> None:
    apps = [
        app(1, "open_source", namespace_url="https://github.com/acme"),
        app(2, "education", namespace_url="https://github.com/x"),
        app(3, "open_source"),
        app(4, "open_source", namespace_url="  "),
    ]
    verifier = FakeVerifier()
    out = verify_applications(apps, verifier, needs)
    assert verifier.asked == ["https://github.com/acme"]
    assert out[0].verifications["namespace"].source_url == "https://github.com/acme"
    assert [a.verifications for a in out[1:]] == [{}, {}, {}]
    assert apps[0].verifications == {}  # the input is not changed
    assert [a.ticket_id for a in out] == [1, 2, 3, 4]


def test_other_verifications_are_kept() -> None:
    email = Verification(kind="email", status=VerificationStatus.FAILED)
    original = app(1, "open_source", namespace_url="https://gitlab.com/acme").model_copy(
        update={"verifications": {"email": email}}
    )
    (out,) = verify_applications([original], FakeVerifier(), needs)
    assert set(out.verifications) == {"email", "namespace"}
