"""Where an LAO-year stands as the lists show it: a *display* state read from the certification
history, and whether its LAO certified on time (issue 24).

The rulebook (workflow.py) knows three states.  A year the province returned is back in
`draft` there, which is right for the rules — the clerk may edit and must certify again, exactly
as in any draft — but a list that says "อปท. ยังไม่รับรองข้อมูล" hides that the province is
waiting for a correction.  So the lists show a fourth, derived state, `Shown.RETURNED`: a draft
whose latest certification event is a `return_to_lao`.  Its reason, who returned it and when
come from that event; the LAO-year's own `extension_until` says until when it may correct.
Nothing is stored: the state cannot disagree with the history it is read from.

Timeliness compares the Bangkok day of the LAO certification that stands
(`Submission.lao_certified_at`, set by certify_lao and cleared by a revocation or a return) with
the year's deadline and the LAO-year's extension.

The lists and dashboards use SQL expressions inside the statement of the page that shows them
(a correlated subquery or an outer join), never a query per row; the status tab of one LAO-year
applies the same rule to the history it has loaded (`standing_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, and_, case, func, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from workflow import Action, LabeledEnum, Role, Status

from ..base import db
from ..tables.accounts import User
from ..tables.submissions import CertificationEvent, FiscalYear, Submission


class Shown(LabeledEnum):
    """A state a list shows besides the rulebook's statuses (never stored)."""

    RETURNED = ("returned", "ส่งคืนให้แก้ไข", "Returned for correction", "warning")


class Timeliness(LabeledEnum):
    """When the LAO certified its year, against the deadline and its extension."""

    ON_TIME = ("on_time", "ตรงเวลา", "On time", "success")
    EXTENDED = ("extended", "ภายในเวลาที่ขยาย", "Within the extension", "info")
    LATE = ("late", "เกินกำหนด", "Late", "danger")
    NOT_YET = ("not_yet", "ยังไม่รับรอง", "Not yet certified", "secondary")


# --- the returned state -------------------------------------------------------------------------

def last_event_id(submission_id: Any = Submission.id) -> Any:
    """The id of the LAO-year's latest certification event (a correlated scalar subquery over
    the index (submission_id, id))."""
    return (select(func.max(CertificationEvent.id))
            .where(CertificationEvent.submission_id == submission_id)
            .correlate(Submission).scalar_subquery())


def returned_clause() -> ColumnElement[bool]:
    """The LAO-years shown as ส่งคืนให้แก้ไข: drafts whose latest event is a return."""
    latest_action = (select(CertificationEvent.action)
                     .where(CertificationEvent.submission_id == Submission.id)
                     .order_by(CertificationEvent.id.desc()).limit(1)
                     .correlate(Submission).scalar_subquery())
    # IS NOT NULL first: a year with no event would make the whole clause NULL, and its
    # negation (the filter's "all but the returned") would lose it.
    return and_(Submission.status == Status.DRAFT, latest_action.is_not(None),
                latest_action == Action.RETURN_TO_LAO)


def return_join():
    """(the returning event, the ON clause, the columns) to outer-join onto a query of
    submissions: the columns are NULL unless the year stands returned.  Who returned is a
    primary-key lookup in the same statement (a join to user_account would be ambiguous next
    to the organization, district and province a list joins)."""
    event = aliased(CertificationEvent, name="return_event")
    on_event = and_(event.id == last_event_id(), event.action == Action.RETURN_TO_LAO,
                    Submission.status == Status.DRAFT)
    by = (select(User.full_name).where(User.id == event.actor_id)
          .correlate(event).scalar_subquery())
    columns = (event.id.label("return_event_id"), event.reason.label("return_reason_shown"),
               event.created_at.label("returned_at"), event.actor_role.label("returned_role"),
               by.label("returned_by"))
    return event, on_event, columns


def with_return_note(query):
    """`query` (over Submission) with the five columns of `return_join`, outer-joined."""
    event, on_event, columns = return_join()
    return query.outerjoin(event, on_event).add_columns(*columns)


@dataclass(frozen=True)
class ReturnNote:
    """Why, by whom and when the province returned an LAO-year (the latest return)."""

    reason: str
    at: datetime
    by: str
    role: Role | None


def return_note(event_id: Any, reason: Any, at: Any, role: Any, by: Any) -> ReturnNote | None:
    """A ReturnNote from the five columns of `return_join` (None when the year is not
    returned)."""
    if event_id is None:
        return None
    return ReturnNote(reason or "", at, by or "", Role(role) if role is not None else None)


@dataclass(frozen=True)
class Standing:
    """What a list shows for one LAO-year: its status, or ส่งคืนให้แก้ไข with its note."""

    status: Status
    returned: ReturnNote | None = None
    extension_until: date | None = None

    @property
    def shown(self) -> LabeledEnum:
        return Shown.RETURNED if self.returned is not None else self.status


def standing_of(submission: Submission) -> Standing:
    """The Standing of one loaded LAO-year from its loaded history (the workspace reads the
    events for its history table anyway): the same rule as `returned_clause`, in Python."""
    events = submission.events
    latest = max(events, key=lambda e: e.id) if events else None
    note = None
    if latest is not None and latest.action is Action.RETURN_TO_LAO \
            and submission.status is Status.DRAFT:
        note = ReturnNote(latest.reason or "", latest.created_at,
                          latest.actor.full_name if latest.actor else "",
                          Role(latest.actor_role) if latest.actor_role else None)
    return Standing(submission.status, note, submission.extension_until)


# --- timeliness ---------------------------------------------------------------------------------

def bangkok_day(column) -> Any:
    """The Thai calendar day of a stored UTC time, in SQL (Bangkok is UTC+7 all year)."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Bangkok", column), type_=Date)
    return func.date(column, "+7 hours", type_=Date)


def year_deadline() -> Any:
    """The deadline of the LAO-year's fiscal year (a correlated scalar subquery, for a query
    that does not join fiscal_year)."""
    return (select(FiscalYear.deadline).where(FiscalYear.be_year == Submission.fiscal_year)
            .scalar_subquery())


def timeliness_case(deadline: Any = None) -> ColumnElement[str]:
    """Timeliness's value for each LAO-year, in SQL: `deadline` is FiscalYear.deadline when
    the query joins fiscal_year, else the correlated `year_deadline()`.

    A certified year whose certification time is unknown (data from before it was kept) is
    counted late: nothing shows it was on time."""
    deadline = year_deadline() if deadline is None else deadline
    day = bangkok_day(Submission.lao_certified_at)
    return case(
        (Submission.status == Status.DRAFT, literal(Timeliness.NOT_YET.value)),
        (Submission.lao_certified_at.is_(None), literal(Timeliness.LATE.value)),
        (day <= deadline, literal(Timeliness.ON_TIME.value)),
        (and_(Submission.extension_until.is_not(None), day <= Submission.extension_until),
         literal(Timeliness.EXTENDED.value)),
        else_=literal(Timeliness.LATE.value))


def timeliness_clause(value: Timeliness) -> ColumnElement[bool]:
    """The LAO-years of one timeliness (the review list's filter): the same CASE as the
    dashboards count, so a count and the list it links to cannot disagree."""
    return timeliness_case() == value.value
