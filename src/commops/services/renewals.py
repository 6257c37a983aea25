"""Renewals: a renewal application judged against the membership ledger, and the members due a reminder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from commops.domain import Application, Decision, Outcome
from commops.domain.member import Member
from commops.domain.proposal import Grant
from commops.domain.renewal import Reminder, RenewalKind, RenewalVerdict, apply_verdict, judge_renewal, reminder_due
from commops.ports import Evaluator, ReminderGateway
from commops.services.benefits import BenefitPorts

__all__ = ["NotifyReport", "due_members", "grant_for", "judge", "notify", "verdict_for"]


def _subscription(app: Application) -> str | None:
    value = app.fields.get("current_subscription_id")
    text = str(value).strip() if value is not None else ""
    return text or None


def verdict_for(benefits: BenefitPorts | None, app: Application, today: date) -> RenewalVerdict:
    """How the ledger judges ``app``; NOT_MATCHED when it is no renewal or the program keeps no ledger."""
    none = RenewalVerdict(RenewalKind.NOT_MATCHED)
    if benefits is None or app.program is None or app.application_type != "renewal":
        return none
    benefit = benefits.benefit(app.program)
    if benefit is None or not benefit.ledger or not benefits.store.count_members(app.program):
        return none  # without a ledger, a renewal is judged by the program's checks alone
    subscription = _subscription(app)
    entry = benefits.store.member_by_subscription(subscription) if subscription else None
    return judge_renewal(app.program, subscription, entry, today)


def _as_new(app: Application) -> Application:
    fields = {k: v for k, v in app.fields.items() if k not in ("current_subscription_id", "application_type")}
    return app.model_copy(update={"application_type": "new", "fields": fields})


def judge(benefits: BenefitPorts | None, evaluator: Evaluator, app: Application) -> Decision:
    """The rules' decision, with the ledger's say on renewals (programs.md "Benefits and renewals")."""
    if benefits is None:
        return evaluator.evaluate(app)
    verdict = verdict_for(benefits, app, benefits.clock().date())
    if verdict.kind is RenewalKind.AS_NEW:
        return evaluator.evaluate(_as_new(app))
    return apply_verdict(evaluator.evaluate(app), verdict)


def grant_for(benefits: BenefitPorts | None, app: Application, decision: Decision) -> Grant | None:
    """The member facts a qualify grants the benefit to (None for other outcomes)."""
    if benefits is None or decision.outcome is not Outcome.QUALIFY:
        return None
    verdict = verdict_for(benefits, app, benefits.clock().date())
    seats = app.fields.get("seats")
    organisation = app.fields.get("institution_name") or app.fields.get("company_name") or app.fields.get(
        "project_name")
    renews = verdict.member.subscription_id if verdict.kind is RenewalKind.RENEW and verdict.member else None
    note = f"previous subscription {verdict.member.subscription_id}" if (
        verdict.kind is RenewalKind.AS_NEW and verdict.member) else None
    return Grant(
        organisation=str(organisation) if organisation else None,
        requester=app.requester.email,
        email_domain=app.requester.email_domain,
        seats=int(seats) if isinstance(seats, int | float) and not isinstance(seats, bool) else None,
        renews=renews,
        term_start=verdict.term_start,
        note=note,
    )


def due_members(benefits: BenefitPorts, within_days: int, *, include_reminded: bool = True) -> list[Member]:
    """Members whose term ends within ``within_days`` from today (each member's latest term only)."""
    today = benefits.clock().date()
    members = benefits.store.members(ending_after=today, ending_before=today + timedelta(days=within_days))
    latest: dict[str, Member] = {}
    for member in members:
        key = member.subscription_id or f"#{member.id}"
        if key not in latest or member.term_end > latest[key].term_end:
            latest[key] = member
    renewed = {m.subscription_id for m in benefits.store.members(ending_after=today + timedelta(days=within_days + 1))
               if m.subscription_id}
    return [m for m in latest.values() if m.subscription_id not in renewed
            and (include_reminded or reminder_due(m, today, within_days))]


@dataclass
class NotifyReport:
    sent: dict[str, int] = field(default_factory=dict)  # reminder key -> new ticket id
    already: list[str] = field(default_factory=list)  # reminded before (journal or a ticket found by search)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # members without an email


def notify(benefits: BenefitPorts, gateway: ReminderGateway, within_days: int) -> NotifyReport:
    """One reminder ticket per member whose term ends within the window, exactly once per term.

    Intent first (the store), then: wait for jobs a killed run left, search the account for reminders
    already created (their external id is the reminder's key), and create only the rest, 100 per job.
    """
    report = NotifyReport()
    reminders: list[Reminder] = []
    for member in due_members(benefits, within_days):
        reminder = Reminder.of(member)
        if reminder is None:
            report.skipped.append(f"member {member.id} ({member.program}) has no email")
        elif member.term_end in member.reminded:
            report.already.append(reminder.key)
        else:
            reminders.append(reminder)
    if not reminders:
        return report
    store = benefits.store
    sent_before = store.sent_reminders()
    store.begin_reminders([(r.key, r.member_id, r.term_end) for r in reminders])
    jobs = store.reminder_jobs()
    if jobs:
        gateway.settle_jobs(jobs)
    found = gateway.reminder_keys(benefits.settings.renewals.tag)
    todo = []
    for reminder in reminders:
        if reminder.key in found or reminder.key in sent_before:
            store.finish_reminder(reminder.key, ticket_id=None)
            report.already.append(reminder.key)
        else:
            todo.append(reminder)
    if todo:
        outcome = gateway.create_reminders(todo, on_job=store.record_reminder_job)
        for reminder in todo:
            result = outcome.get(reminder.key, "no result")
            if isinstance(result, int):
                store.finish_reminder(reminder.key, ticket_id=result)
                report.sent[reminder.key] = result
            else:
                store.finish_reminder(reminder.key, ticket_id=None, error=result)
                report.failed[reminder.key] = result
    return report
