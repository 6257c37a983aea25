"""What `commops doctor` checks against an account: it answers, the credentials work, and every form,
field and macro the config (and the rules) name exists there."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liquid import Environment
from liquid.exceptions import LiquidError

from commops.config import Settings
from commops.errors import AuthError, ConfigError, ZendeskError
from commops.zendesk._compose import SUPPORTED_ACTIONS
from commops.zendesk._render import RenderContext, dynamic_content_names, render

if TYPE_CHECKING:
    from commops.zendesk.gateway import ZendeskGateway

__all__ = ["Check", "ExtraCheck", "check_account", "macro_problem"]

_LIQUID = Environment()

WRITING_OUTCOMES = ("escalate", "reject", "ask", "qualify")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report; ``fix`` says what to do when ``ok`` is False."""

    name: str
    ok: bool
    detail: str = ""
    fix: str | None = None


ExtraCheck = Callable[["ZendeskGateway", Settings], list[Check]]


def check_account(
    gateway: ZendeskGateway,
    settings: Settings,
    macro_titles: Iterable[str] = (),
    *,
    extra: Iterable[ExtraCheck] = (),
) -> list[Check]:
    """Every check, in order. Stops after the first if the account does not answer or refuses us."""
    try:
        me = gateway.me()
    except AuthError as exc:
        return [
            Check("account", True, f"{gateway.base_url} answers"),
            Check("credentials", False, exc.message, exc.hint),
        ]
    except ZendeskError as exc:
        return [Check("account", False, exc.message, exc.hint or "check zendesk.url (or zendesk.subdomain)")]
    checks = [
        Check("account", True, f"{gateway.base_url} answers"),
        Check("credentials", True, f"signed in as {me.get('name')} <{me.get('email')}> ({me.get('role')})"),
    ]
    checks.append(_auth(gateway))
    if me.get("role") not in ("agent", "admin"):
        checks.append(Check("role", False, f"{me.get('email')} is a {me.get('role')}", "use an agent or admin"))
    try:
        checks += _forms(gateway, settings) + _queue_reach(gateway, settings)
        checks += _fields(gateway, settings) + _statuses(gateway, settings)
        checks += _macros(gateway, macro_titles)
        for check in extra:
            checks += check(gateway, settings)
    except ZendeskError as exc:
        checks.append(Check("account data", False, str(exc.message), exc.hint))
    return checks


def _auth(gateway: ZendeskGateway) -> Check:
    """How commops authenticates; a token that cannot write tickets, or a legacy API token, is a problem."""
    from commops.zendesk.auth import API_TOKEN_END

    try:
        status = gateway.auth_status()
    except ZendeskError as exc:
        return Check("auth", False, exc.message, exc.hint)
    mode = status["mode"]
    scopes = status["scopes"]
    expires = status["expires_in_s"]
    detail = f"{mode}" + (f", scopes {' '.join(scopes)}" if scopes is not None else "") + (
        f", token expires in {expires}s" if expires is not None else "")
    if mode == "api-token":
        # Still working, so not a failure, but the line says when it stops.
        return Check("auth", True, f"{detail} (legacy: API tokens stop working on {API_TOKEN_END}; "
                     "switch to an OAuth client, docs/configuration.md)")
    if scopes is not None and not {"write", "tickets:write"} & set(scopes):
        return Check("auth", False, f"{detail}: cannot write tickets", "ask for the scope \"read write\"")
    if scopes is not None and "read" not in scopes:
        return Check("auth", False, f"{detail}: cannot read ticket audits, which checking a write needs",
                     "ask for the scope \"read write\" (tickets:read does not reach /ticket_audits)")
    return Check("auth", True, detail)


def _forms(gateway: ZendeskGateway, settings: Settings) -> list[Check]:
    forms = {f["id"]: f for f in gateway.ticket_forms()}
    checks = []
    for name, program in settings.programs.items():
        if program.form_id is None:
            continue
        form = forms.get(program.form_id)
        label = f"form for {name}"
        if form is None:
            checks.append(
                Check(label, False, f"no ticket form {program.form_id}", f"set programs.{name}.form_id to a form id")
            )
        elif not form.get("active", True):
            checks.append(Check(label, False, f"form {form.get('name')!r} is inactive", "activate it in Zendesk"))
        else:
            checks.append(Check(label, True, f"{form.get('name')!r} ({program.form_id})"))
    return checks


_FORM_TERM = re.compile(r'(?<!\S)(-?)(?:form|ticket_form_id):(?:"([^"]*)"|(\S+))')


def _queue_reach(gateway: ZendeskGateway, settings: Settings) -> list[Check]:
    """A program whose tickets the queue query cannot reach: its form is not among the query's ``form:``
    terms (a form renamed in Zendesk, the query still naming the old name), or it is read by its program
    field alone while the query only takes tickets on forms. Such a queue is silently short."""
    terms = [(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
             for m in _FORM_TERM.finditer(settings.queue.query)]
    wanted = [value for negated, value in terms if not negated]
    if not wanted:
        return [Check("queue reach", True, "the queue query takes tickets on every form")]
    forms = {f["id"]: f for f in gateway.ticket_forms()}
    names = {str(f.get("name", "")).casefold(): fid for fid, f in forms.items()}
    reached = {int(v) if v.isdigit() else names.get(v.casefold(), -1) for v in wanted}
    checks = []
    for name, program in settings.programs.items():
        if program.form_id is None:
            checks.append(Check(
                f"queue reaches {name}", False,
                "the program is read by its program field, but the queue query only takes tickets on the forms "
                f"it names ({', '.join(map(repr, wanted))})",
                "give the program a form_id, or widen [queue] query",
            ))
        elif program.form_id not in reached:
            current = forms.get(program.form_id, {}).get("name")
            stale = [v for v in wanted if not v.isdigit() and v.casefold() not in names]
            detail = f"its form {current!r} ({program.form_id}) is not in the queue query"
            if stale:
                detail += f"; the query names {', '.join(map(repr, stale))}, which no form is called (renamed?)"
            checks.append(Check(f"queue reaches {name}", False, detail,
                                f'add form:"{current}" to [queue] query (or replace the old name)'))
        else:
            checks.append(Check(f"queue reaches {name}", True, f"form {program.form_id}"))
    return checks


def _statuses(gateway: ZendeskGateway, settings: Settings) -> list[Check]:
    """``[statuses]``: every outcome's custom status exists and is active."""
    if not settings.statuses:
        return []
    try:
        resolved = gateway.status_ids()
    except ConfigError as exc:
        return [Check("statuses", False, exc.message, exc.hint)]
    labels = {s.get("id"): s.get("agent_label") for s in gateway.custom_statuses()}
    return [Check(f"status for {outcome}", True, f"{labels.get(sid)!r} ({sid})") for outcome, sid in resolved.items()]


def _fields(gateway: ZendeskGateway, settings: Settings) -> list[Check]:
    fields = {f["id"]: f for f in gateway.ticket_fields()}
    checks = []
    for key, field_id in settings.fields.items():
        field = fields.get(field_id)
        if field is None:
            checks.append(
                Check(f"field {key}", False, f"no ticket field {field_id}", f"set fields.{key} to the field's id")
            )
            continue
        problem = _field_problem(key, field, settings)
        if problem:
            fix = "fix the field in Zendesk (Admin Center → Objects and rules → Ticket fields)"
            checks.append(Check(f"field {key}", False, problem, fix))
        else:
            checks.append(Check(f"field {key}", True, f"{field.get('title')!r} ({field_id}, {field.get('type')})"))
    return checks


def _field_problem(key: str, field: dict[str, Any], settings: Settings) -> str | None:
    if not field.get("active", True):
        return f"{field.get('title')!r} is inactive"
    if key == settings.markers.decision_field:
        values = {o.get("value") for o in field.get("custom_field_options") or []}
        missing = [f"commops_{o}" for o in WRITING_OUTCOMES if f"commops_{o}" not in values]
        if missing:
            return f"drop-down {field.get('title')!r} lacks the option values {', '.join(missing)}"
    if key == settings.markers.ruleset_field and field.get("type") not in ("text", "textarea"):
        return f"{field.get('title')!r} is a {field.get('type')} field; the ruleset marker needs a text field"
    return None


def _macros(gateway: ZendeskGateway, titles: Iterable[str]) -> list[Check]:
    macros = {m["title"]: m for m in gateway.macro_records()}
    checks = []
    for title in dict.fromkeys(titles):
        macro = macros.get(title)
        if macro is None:
            checks.append(Check(f"macro {title}", False, "no macro with this title", "create it or fix the rule"))
            continue
        unsupported = [
            str(a.get("field"))
            for a in macro.get("actions") or []
            if a.get("field") not in SUPPORTED_ACTIONS and not str(a.get("field")).startswith("custom_fields_")
        ]
        if not macro.get("active", True):
            checks.append(Check(f"macro {title}", False, "the macro is inactive", "activate it in Zendesk"))
        elif unsupported:
            checks.append(
                Check(f"macro {title}", False, f"actions commops cannot apply: {', '.join(unsupported)}",
                      "remove those actions from the macro")
            )
        else:
            problem = macro_problem(gateway, macro)
            if problem:
                checks.append(Check(f"macro {title}", False, problem, "fix the macro in Zendesk"))
            else:
                checks.append(Check(f"macro {title}", True, f"id {macro['id']}{_rendering(macro)}"))
    return checks


def _rendering(macro: dict[str, Any]) -> str:
    for text in _comments(macro):
        rendered = render(_without_dc(text), RenderContext(ticket={}))
        if rendered.text is None:
            return f"; its reply is rendered by Zendesk's apply endpoint ({', '.join(rendered.unsupported)})"
    return ""


def _without_dc(text: str) -> str:
    for name in dynamic_content_names(text):
        text = text.replace(f"{{{{dc.{name}}}}}", "").replace(f"{{{{ dc.{name} }}}}", "")
    return text


def _comments(macro: dict[str, Any]) -> list[str]:
    out = []
    for action in macro.get("actions") or []:
        if str(action.get("field")) in ("comment_value", "comment_value_html"):
            value = action.get("value")
            out.append(str(value[-1] if isinstance(value, list) and value else value))
    return out


def macro_problem(gateway: ZendeskGateway, macro: dict[str, Any]) -> str | None:
    """Why a macro would fail when applied (an action naming something the account lacks, a comment Liquid
    cannot parse, dynamic content that does not exist), checked before a run rather than mid-batch."""
    for action in macro.get("actions") or []:
        name, value = str(action.get("field")), action.get("value")
        known: dict[str, Callable[[], set[Any]]] = {
            "custom_status_id": lambda: {s["id"] for s in gateway.custom_statuses() if s.get("active", True)},
            "brand_id": lambda: {b["id"] for b in gateway.brands() if b.get("active", True)},
            "ticket_form_id": lambda: {f["id"] for f in gateway.ticket_forms() if f.get("active", True)},
            "group_id": lambda: {g["id"] for g in gateway.groups()},
        }
        if name in known and str(value).isdigit() and int(str(value)) not in known[name]():
            return f"the action {name} names {value}, which the account does not have (or is inactive)"
    for text in _comments(macro):
        names = dynamic_content_names(text)
        if names:
            items = {i.get("name") for i in gateway.dynamic_content()}
            missing = [n for n in names if n not in items]
            if missing:
                return f"the reply uses {{{{dc.{missing[0]}}}}}, which is no dynamic content item of the account"
        if "{" in text:
            try:
                _LIQUID.from_string(text)
            except LiquidError as exc:
                return f"the reply is not valid Liquid: {str(exc).splitlines()[0]}"
    return None
