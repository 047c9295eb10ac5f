"""Locks below the views: LAO data of a submission changes only while it is editable.

A `before_flush` guard on every session refuses to write a section row or a child row whose
submission is certified, in a closed year, or past its deadline without an extension — whatever
path the write came from (form, inline row, delete, import, shell).  It reads the submission's
state from the database, never from the object being edited (Flask-Admin populates the object
before `on_model_change` runs), and locks that submission row so a concurrent certification
waits for this save instead of certifying around it (PostgreSQL; SQLite serializes writers with
BEGIN IMMEDIATE).
"""

from __future__ import annotations

from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from workflow import Context, edit_refusal

from ..tables.sections import CHILDREN, SECTIONS
from ..tables.submissions import FiscalYear, Submission, YearStatus

LOCKED_MODELS = tuple(SECTIONS) + tuple(child for pairs in CHILDREN.values()
                                        for _name, child in pairs)


def edit_context(status: Any, year_status: Any, deadline: Any, extension_until: Any, *,
                 today: Any = None, **more: Any) -> Context:
    """The rulebook's facts about one LAO-year from its stored columns (status, the year's
    status and deadline, the LAO's extension): the one way every path builds them."""
    from workflow import today_in_thailand
    return Context(status=status, year_open=year_status is YearStatus.OPEN,
                   today=today or today_in_thailand(), deadline=deadline,
                   extension_until=extension_until, **more)


class SubmissionLocked(Exception):
    """Writing LAO data that is not editable now; `str()` is the Thai reason."""


def _touched_submissions(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, LOCKED_MODELS):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            if obj.submission_id is not None:
                ids.add(obj.submission_id)
    return ids


@cache
def _lock_statement():
    """The touched submissions' state, locked (built once: every save runs it)."""
    return (select(Submission.id, Submission.status, Submission.extension_until,
                   FiscalYear.status.label("year_status"), FiscalYear.deadline)
            .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
            .where(Submission.id.in_(bindparam("ids", expanding=True)))
            .order_by(Submission.id)  # one lock order everywhere: no deadlocks
            .with_for_update(of=Submission))


@event.listens_for(Session, "before_flush")
def refuse_locked_writes(session: Session, _flush_context, _instances) -> None:
    ids = _touched_submissions(session)
    if not ids:
        return
    from workflow import today_in_thailand
    rows = session.execute(_lock_statement(), {"ids": sorted(ids)}).all()
    today = today_in_thailand()
    for row in rows:
        refusal = edit_refusal(edit_context(row.status, row.year_status, row.deadline,
                                            row.extension_until, today=today))
        if refusal:
            raise SubmissionLocked(refusal)
