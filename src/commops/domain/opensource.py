"""The Open Source namespace verdict (programs.md, Open Source), over the facts a forge showed. Pure.

The forge adapter (``commops.verify.forge``) only looks things up and caches what it saw — a namespace's
projects with their visibility, licence, flags, stars and last push. The verdict is computed here, on
every use, so a change of policy applies to cached lookups at once (no cache purge).

*failed* when the namespace does not exist (a 404 is a claim that does not hold), has no public project,
has a public project without an OSI-approved licence, or more than one private project; *verified*
otherwise. (*unknown* — lookup impossible — never reaches here: there are no facts to judge.)

Forks and archived projects of a namespace are listed but do not count: a fork carries someone else's
licence, an archived project is no longer the work the programme supports. A single project URL counts
whatever its flags. Licences are checked on public projects only (a private project's licence is not
visible).

``private_projects`` is what the forge shows: its own total when it gives one (GitHub, to a member's
token), else the private projects the listing showed, which without the owner's credentials is usually 0.
``private_count_source`` (forge_total | listing | project) says which, so a reader can weigh it. It is an
int, never None, because the policy rejects on private projects the check *finds*; a None would make every
anonymous lookup unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from commops.domain.verification import Verification, VerificationStatus

__all__ = [
    "MAX_PRIVATE_PROJECTS",
    "MAX_PROJECT_DETAILS",
    "NAMESPACE_KIND",
    "ForgeProject",
    "NamespaceFacts",
    "counted_projects",
    "namespace_verdict",
]

NAMESPACE_KIND = "namespace"
MAX_PRIVATE_PROJECTS = 1  # programs.md: "more than 1 private project" rejects
MAX_PROJECT_DETAILS = 50  # per-project facts shown in the trace up to this many projects


class ForgeProject(BaseModel):
    """One project as its forge lists it."""

    model_config = ConfigDict(frozen=True)

    path: str
    visibility: str  # public | private | internal
    license: str | None = None  # the forge's SPDX id / licence key; None when it detected none
    archived: bool = False
    fork: bool = False
    stars: int | None = None
    pushed_at: str | None = None  # ISO 8601, as the forge gave it (last push / last activity)

    def as_fact(self) -> dict[str, Any]:
        return self.model_dump()


class NamespaceFacts(BaseModel):
    """What a forge showed of a namespace: what the verification cache stores (never a verdict)."""

    model_config = ConfigDict(frozen=True)

    host: str
    namespace: str
    exists: bool = True
    missing: str | None = None  # why the forge says it does not exist (its 404), when it does not
    kind: str | None = None  # organization | user | group | project
    name: str | None = None  # the namespace's name as the forge spells it
    owner: str | None = None  # a project's owning user or organisation
    projects: list[ForgeProject] = Field(default_factory=list)
    private_total: int | None = None  # the forge's own count of private projects, when it gives one
    single: bool = False  # the URL named one project, not a namespace
    renamed_to: str | None = None


def counted_projects(facts: NamespaceFacts) -> list[ForgeProject]:
    """The projects the policy weighs: a single project always; a namespace's without forks and archives."""
    if facts.single:
        return list(facts.projects)
    return [p for p in facts.projects if not (p.fork or p.archived)]


def _private_count(facts: NamespaceFacts, counted: list[ForgeProject]) -> tuple[int, str]:
    seen = sum(1 for p in counted if p.visibility != "public")
    if facts.single:
        return seen, "project"
    if facts.private_total is not None:
        return max(facts.private_total, seen), "forge_total"
    return seen, "listing"


def _missing(facts: NamespaceFacts, source_url: str | None, checked_at: datetime | None) -> Verification:
    """A namespace the forge does not have: nothing public, nothing counted (the rules reject on these)."""
    rule_facts = {
        "host": facts.host,
        "namespace": facts.namespace,
        "exists": False,
        "projects": 0,
        "public_projects": 0,
        "private_projects": 0,
        "private_count_source": "listing",
        "non_osi_projects": [],
        "ignored_projects": [],
    }
    reason = f"{facts.missing or f'{facts.host} has no {facts.namespace}'} (404)"
    return Verification(kind=NAMESPACE_KIND, status=VerificationStatus.FAILED, reason=reason, facts=rule_facts,
                        source_url=source_url, checked_at=checked_at)


def namespace_verdict(
    facts: NamespaceFacts,
    *,
    osi_approved: Callable[[str], bool],
    source_url: str | None = None,
    checked_at: datetime | None = None,
) -> Verification:
    """The Open Source verdict on ``facts``; ``osi_approved`` says whether a licence id is OSI-approved.

    The Verification's ``facts`` are what the rules read (counts and lists), with the forge's own facts
    per project in ``project_details`` (up to :data:`MAX_PROJECT_DETAILS` projects).
    """
    if not facts.exists:
        return _missing(facts, source_url, checked_at)
    counted = counted_projects(facts)
    ignored = [] if facts.single else [p.path for p in facts.projects if p.fork or p.archived]
    public = [p for p in counted if p.visibility == "public"]
    private, private_source = _private_count(facts, counted)
    non_osi = [p.path for p in public if p.license is None or not osi_approved(p.license)]
    rule_facts: dict[str, Any] = {
        "host": facts.host,
        "namespace": facts.namespace,
        "kind": facts.kind,
        "projects": len(counted),
        "public_projects": len(public),
        "private_projects": private,
        "private_count_source": private_source,
        "non_osi_projects": non_osi,
        "ignored_projects": ignored,
    }
    if facts.renamed_to:
        rule_facts["renamed_to"] = facts.renamed_to
    if len(facts.projects) <= MAX_PROJECT_DETAILS:
        rule_facts["project_details"] = [p.as_fact() for p in facts.projects]
    problems = []
    if not public:
        problems.append("no public project")
    if non_osi:
        shown = ", ".join(non_osi[:5]) + (" …" if len(non_osi) > 5 else "")
        problems.append(f"{len(non_osi)} public project(s) without an OSI-approved licence: {shown}")
    if private > MAX_PRIVATE_PROJECTS:
        problems.append(f"{private} private projects (at most {MAX_PRIVATE_PROJECTS} allowed)")
    where = f"{facts.kind} {facts.name} on {facts.host}"
    if problems:
        status, reason = VerificationStatus.FAILED, f"{where}: " + "; ".join(problems)
    else:
        status, reason = VerificationStatus.VERIFIED, f"{where}: {len(public)} public project(s), all OSI-licensed"
    return Verification(kind=NAMESPACE_KIND, status=status, reason=reason, facts=rule_facts, source_url=source_url,
                        checked_at=checked_at)
