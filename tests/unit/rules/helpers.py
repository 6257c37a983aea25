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

    countries: ClassVar[dict[str, str]] = {
        **{code.lower(): code for code in ("US", "DE", "FR", "GB", "IN", "CU", "IR", "SY", "KP", "RU", "BY", "UA")},
        "usa": "US", "united states": "US", "iran": "IR", "germany": "DE", "cuba": "CU", "belarus": "BY",
    }

    def country(self, text: str) -> str | None:
        return self.countries.get(text.strip().lower())

    def registrable_domain(self, host: str) -> str | None:
        parts = host.lower().split(".")
        return ".".join(parts[-2:]) if len(parts) >= 2 else None

    def is_academic_domain(self, domain: str) -> bool:
        return domain in self.academic or domain.endswith(".uni.edu")

    def is_free_mail_domain(self, domain: str) -> bool:
        return domain in self.free

    def is_disposable_domain(self, domain: str) -> bool:
        return domain in self.disposable

    def spdx(self, expression: str) -> SpdxVerdict:
        ids = {k.lower(): k for k in self.licences}
        words = expression.replace("(", " ").replace(")", " ").split()
        parts = [p.upper() if p.upper() in ("AND", "OR") else ids.get(p.lower(), p) for p in words]
        keys = [p for p in parts if p not in ("AND", "OR")]
        if not keys or any(i not in self.licences for i in keys):
            return SpdxVerdict(known=False, osi_approved=None)
        flags = [self.licences[i] for i in keys]
        return SpdxVerdict(known=True, osi_approved=any(flags) if "OR" in parts else all(flags),
                           normalized=" ".join(parts))

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
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory
