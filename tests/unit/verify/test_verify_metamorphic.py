"""Metamorphic: the namespace an application names is looked up the same however the URL is written —
scheme, ``www.``, case, surrounding whitespace, a trailing slash, ``.git`` — because the verifier reads
the value the reading layer made of the field (programs.md, "Reading the inputs"). Generated (hypothesis,
bounded), over the shipped rules' reading of ``fields.namespace_url`` and the real forge URL parser."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from commops.config import VerifySettings, load_settings
from commops.domain import Application, Verification, VerificationStatus
from commops.domain.calendar import BusinessCalendar
from commops.domain.reading import PLACEHOLDERS
from commops.rules import load_ruleset
from commops.verify import OfflineDatasets, parse_namespace_url, verify_applications

T = datetime(2026, 11, 2, tzinfo=UTC)
_SETTINGS = load_settings()
_RULESET = load_ruleset([_SETTINGS.rules_path], field_keys=set(_SETTINGS.fields), programs=set(_SETTINGS.programs))
RULES = _RULESET.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar(), now=lambda: T)
FORGES = VerifySettings()


class Recorder:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def verify_namespace(self, url: str) -> Verification:
        self.asked.append(url)
        return Verification(kind="namespace", status=VerificationStatus.VERIFIED, source_url=url)


def _asked(raw: object) -> list[str]:
    app = Application(ticket_id=1, program="open_source", fields={"namespace_url": raw}, created_at=T, updated_at=T)
    recorder = Recorder()
    verify_applications([app], recorder, lambda a: {"namespace"}, RULES.read_input)
    return recorder.asked


def _key(url: str) -> str:
    target = parse_namespace_url(url, FORGES)
    assert not isinstance(target, str), target
    return target.key


NAME = st.from_regex(r"[a-z][a-z0-9-]{0,14}[a-z0-9]", fullmatch=True)


@st.composite
def written(draw: st.DrawFn) -> tuple[str, str]:
    """A canonical namespace URL and the same URL as someone might type it."""
    host = draw(st.sampled_from(["github.com", "gitlab.com"]))
    parts = draw(st.lists(NAME, min_size=1, max_size=2))
    canonical = f"https://{host}/{'/'.join(parts)}"
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "Http://", ""]))
    www = draw(st.sampled_from(["", "www.", "WWW.", "www2."]))
    shown_host = draw(st.sampled_from([host, host.upper(), host.title()]))
    path = "/".join(p.upper() if draw(st.booleans()) else p for p in parts)
    tail = draw(st.sampled_from(["", "/", ".git", ".git/"] if len(parts) == 2 or host == "gitlab.com" else ["", "/"]))
    pad = draw(st.sampled_from(["", " ", "\t", "  \n"]))
    return canonical, f"{pad}{scheme}{www}{shown_host}/{path}{tail}{pad}"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(written())
def test_however_the_url_is_written_the_same_namespace_is_looked_up(pair: tuple[str, str]) -> None:
    canonical, messy = pair
    (asked,) = _asked(messy)
    assert _key(asked) == _key(canonical), (messy, asked)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(PLACEHOLDERS)), st.sampled_from(["", " ", "  "]), st.sampled_from([str, str.upper]))
def test_a_placeholder_is_never_looked_up(placeholder: str, pad: str, case: object) -> None:
    assert callable(case)
    assert _asked(f"{pad}{case(placeholder)}{pad}") == []
