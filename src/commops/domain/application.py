"""An application is a ticket read as the programs see it: who asks, for which program, with which answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from commops.domain.verification import Verification

__all__ = ["Application", "DecisionMarker", "Requester"]


class Requester(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int | None = None
    name: str | None = None
    email: str | None = None
    locale: str | None = None  # the user's locale as Zendesk sends it ("en-US", "es"), for per-locale replies

    @computed_field  # type: ignore[prop-decorator]
    @property
    def email_domain(self) -> str | None:
        """Lower-cased part after the last ``@``; None when there is no usable address."""
        if not self.email or "@" not in self.email:
            return None
        domain = self.email.rsplit("@", 1)[1].strip().lower().rstrip(".")
        return domain or None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def first_name(self) -> str | None:
        if not self.name:
            return None
        return self.name.split()[0]


class DecisionMarker(BaseModel):
    """What an earlier commops write left on the ticket (decision field, ruleset field, tag)."""

    model_config = ConfigDict(frozen=True)

    outcome: str | None = None
    ruleset: str | None = None
    rules: tuple[str, ...] = ()  # the rule ids behind the decision, as written in the ruleset field
    write_id: str | None = None  # set only by a commops write (a hand-typed ruleset value has none)
    by: str | None = None  # the mode of the commops run that wrote it (unattended, apply, plan, interactive)


class Application(BaseModel):
    """One ticket mapped through config. ``program`` is None for tickets that are not applications.

    ``program`` is the form's program, else the ``program`` field's; both are kept (``form_program``,
    ``field_program``) so that a ticket whose form and field disagree goes to a person.

    ``fields`` holds the program's answers by field *key* (config maps keys to custom field ids), with
    Zendesk's raw values: tagger option values (``role_student``), booleans for checkboxes, numbers for
    integer/decimal fields, strings for text. A missing answer is absent or None, never ``""``.
    """

    ticket_id: int
    program: str | None = None
    form_program: str | None = None  # the program the ticket's form belongs to
    field_program: str | None = None  # the program the `program` field names
    application_type: str | None = None  # "new" | "renewal" | None when not given
    requester: Requester = Field(default_factory=Requester)
    fields: dict[str, Any] = Field(default_factory=dict)
    subject: str | None = None
    description: str | None = None
    status: str = "new"  # the status category (new, open, pending, hold, solved, closed)
    custom_status_id: int | None = None  # the account's custom status within that category, when it has them
    tags: list[str] = Field(default_factory=list)
    form_id: int | None = None
    group_id: int | None = None
    brand_id: int | None = None
    created_at: datetime
    updated_at: datetime
    updated_stamp: str | None = None  # the raw updated_at string, as Zendesk sent it (for safe update)
    marker: DecisionMarker | None = None
    verifications: dict[str, Verification] = Field(default_factory=dict)
    url: str | None = None

    @property
    def is_application(self) -> bool:
        return self.program is not None
