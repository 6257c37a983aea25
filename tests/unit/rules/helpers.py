"""Rule-engine test helpers: a ten-line fake of the Datasets port, applications, YAML on disk."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from commops.domain import Application, Requester, Verification
from commops.ports import SpdxVerdict

FIELD_KEYS = {"country", "seats", "role", "website", "license", "amount", "stage", "nonprofit", "name", "url"}
PROGRAMS = {"alpha", "beta"}
NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)  # a Wednesday


class FakeDatasets:
    """Implements commops.ports.Datasets from small literal tables."""

    academic = frozenset({"uni.edu"})
    free = frozenset({"gmail.com"})
    disposable = frozenset({"trash.io"})
    licences: ClassVar[dict[str, bool]] = {"MIT": True, "Apache-2.0": True, "SSPL-1.0": False}

    def is_academic_domain(self, domain: str) -> bool:
        return domain in self.academic or domain.endswith(".uni.edu")

    def is_free_mail_domain(self, domain: str) -> bool:
        return domain in self.free

    def is_disposable_domain(self, domain: str) -> bool:
        return domain in self.disposable

    def spdx(self, expression: str) -> SpdxVerdict:
        ids = [p for p in expression.replace("(", " ").replace(")", " ").split() if p not in ("AND", "OR")]
        if not ids or any(i not in self.licences for i in ids):
            return SpdxVerdict(known=False, osi_approved=None)
        flags = [self.licences[i] for i in ids]
        return SpdxVerdict(known=True, osi_approved=any(flags) if " OR " in expression else all(flags))

    def versions(self) -> dict[str, str]:
        return {"fake": "1"}


def app(program: str | None = "alpha", *, email: str | None = "ann@uni.edu", application_type: str | None = "new",
        verifications: dict[str, Verification] | None = None, created_at: datetime = NOW, **fields: Any) -> Application:
    return Application(
        ticket_id=1, program=program, application_type=application_type, requester=Requester(email=email, name="Ann"),
        fields={k: v for k, v in fields.items() if v is not None}, verifications=verifications or {},
        created_at=created_at, updated_at=created_at,
    )


def write_rules(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory
