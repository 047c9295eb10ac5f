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

from itertools import chain

from functools import cache

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from workflow import Context, edit_refusal

from ..tables.sections import CHILDREN, SECTIONS
from ..tables.submissions import FiscalYear, Submission, YearStatus

LOCKED_MODELS = tuple(SECTIONS) + tuple(child for pairs in CHILDREN.values()
                                        for _name, child in pairs)


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
        refusal = edit_refusal(Context(status=row.status,
                                       year_open=row.year_status is YearStatus.OPEN,
                                       today=today, deadline=row.deadline,
                                       extension_until=row.extension_until))
        if refusal:
            raise SubmissionLocked(refusal)
