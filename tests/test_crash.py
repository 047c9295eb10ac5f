"""Crash consistency (issue 12 item 5): a process killed with SIGKILL in the middle of a bulk
certification or a year opening leaves all of it or none of it, on SQLite and PostgreSQL, and
the same operation run again afterwards (the restart) completes it.

The work runs in a child process on the suite's database.  A `before_cursor_execute` hook in the
child stops it at a chosen statement inside the transaction (after the status UPDATE, before the
events; after the first section copies of the new year) and tells the parent, which checks that
nothing is visible yet and kills it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select

from models import CertificationEvent, FiscalYear, Submission, User, db
from models.tables.sections import SECTIONS
from workflow import Role, Status

from .factories import add_laos
from .test_bulk_scale import PROVINCE, YEAR, _setup_year_and_officer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAOS = 174
NEW_YEAR, DEADLINE = 2571, date(2027, 12, 30)

CHILD = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from app import create_app
    from models import db

    url, task, trigger, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    app = create_app({"INFO_MODE": "test", "TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        seen = 0

        @event.listens_for(db.engine, "before_cursor_execute")
        def _stop_here(conn, cursor, statement, parameters, context, executemany):
            global seen
            if statement.lstrip().upper().startswith(trigger):
                seen += 1
                if seen == nth:
                    print("inside", flush=True)
                    time.sleep(120)          # the parent kills us here

        if task == "bulk":
            from models import User
            from models.services.certification import transition
            from workflow import Action
            officer = db.session.get(User, int(sys.argv[5]))
            ids = [int(i) for i in sys.argv[6].split(",")]
            transition(Action.CERTIFY_PROVINCE, ids, officer)
        else:
            from datetime import date
            from models.services.rounds import open_year
            open_year(int(sys.argv[5]), date.fromisoformat(sys.argv[6]))
        print("finished", flush=True)
""")


def _kill_inside(app, while_inside, *args: str) -> None:
    """Run the child until it reaches its stopping point, call `while_inside()` (the child holds
    its open transaction), then SIGKILL it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.rollback()  # hold no transaction (on SQLite every one takes the write lock)
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, *args], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip()
        assert line == "inside", f"the child did not stop inside the transaction: {line!r} " \
                                 f"{child.stderr.read()[-3000:] if child.poll() is not None else ''}"
        while_inside()
        db.session.rollback()
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _peek(app, statement) -> list:
    """Read through a plain engine of its own: on SQLite INFO's sessions begin IMMEDIATE (the
    write lock the child holds), a plain reader of the WAL database does not wait."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(statement).all()
    finally:
        engine.dispose()


def _statuses(ids) -> dict[Status, int]:
    db.session.expire_all()
    rows = db.session.execute(select(Submission.status, func.count()).where(
        Submission.id.in_(ids)).group_by(Submission.status)).all()
    return {status: count for status, count in rows}


def _events(ids) -> int:
    return db.session.scalar(select(func.count()).select_from(CertificationEvent).where(
        CertificationEvent.submission_id.in_(ids)))


@pytest.mark.parametrize("stop_at", ["INSERT INTO CERTIFICATION_EVENT", "UPDATE SUBMISSION"])
def test_sigkill_during_bulk_certification_leaves_none_then_the_rerun_certifies_all(
        app, stop_at):
    with app.app_context():
        officer_id = _setup_year_and_officer()
        ids = add_laos(LAOS, PROVINCE, YEAR, states=(Status.LAO_CERTIFIED,), code_digit="6")
        db.session.commit()

        def nothing_visible_yet():
            rows = _peek(app, select(Submission.status, func.count()).where(
                Submission.id.in_(ids)).group_by(Submission.status))
            assert [(Status(s), n) for s, n in rows] == [(Status.LAO_CERTIFIED, LAOS)]
        _kill_inside(app, nothing_visible_yet, "bulk", stop_at, "1", str(officer_id), ",".join(map(str, ids)))

        # After the crash: none of the 174 changed, no event was written.
        assert _statuses(ids) == {Status.LAO_CERTIFIED: LAOS}
        assert _events(ids) == 0

        # The restart: the same bulk certification, run again, certifies all of them once.
        from models.services.certification import transition
        from workflow import Action
        officer = db.session.get(User, officer_id)
        assert officer.role is Role.PROVINCE_OFFICER
        outcomes = transition(Action.CERTIFY_PROVINCE, ids, officer)
        assert all(o.done for o in outcomes)
        assert _statuses(ids) == {Status.PROVINCE_CERTIFIED: LAOS}
        assert _events(ids) == LAOS


def _year_rows(be_year: int) -> tuple[int, int, list[int]]:
    db.session.expire_all()
    years = db.session.scalar(select(func.count()).select_from(FiscalYear).where(
        FiscalYear.be_year == be_year))
    subs = db.session.scalars(select(Submission.id).where(
        Submission.fiscal_year == be_year)).all()
    sections = [db.session.scalar(select(func.count()).select_from(cls).where(
        cls.submission_id.in_(subs))) if subs else 0 for cls in SECTIONS]
    return years, len(subs), sections


def test_sigkill_during_a_year_opening_leaves_no_year_then_the_rerun_opens_it_whole(
        app, demo):
    with app.app_context():
        lao_count = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == YEAR))
        assert lao_count > 0

        def nothing_visible_yet():
            assert _peek(app, select(func.count()).select_from(Submission).where(
                Submission.fiscal_year == NEW_YEAR)) == [(0,)]
        # Stop at the third section table's copy: the year, its submissions and two sections
        # are written, the transaction is still open.
        section_table = SECTIONS[2].__tablename__.upper()
        _kill_inside(app, nothing_visible_yet, "open", f"INSERT INTO {section_table}", "1", str(NEW_YEAR),
                     DEADLINE.isoformat())

        assert _year_rows(NEW_YEAR) == (0, 0, [0] * len(SECTIONS))

        from models.services.rounds import open_year
        report = open_year(NEW_YEAR, DEADLINE)
        assert report.new_year
        years, subs, sections = _year_rows(NEW_YEAR)
        assert (years, subs) == (1, lao_count)
        assert sections == [lao_count] * len(SECTIONS)
