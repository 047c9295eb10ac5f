"""Fiscal-year rounds (SPEC §2, §4.5): `open-year` carries every active LAO's previous-year
values into a new draft, set-based; `close-year` makes the year read-only.

The demo (อุทัยธานี) has FY 2568 and 2569 closed and 2570 open; these tests open 2571.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, event, func, insert, select, update

from models import (CertificationEvent, FiscalYear, Organization, OrgType, Submission,
                    SubmissionLocked, YearStatus, db)
from models.services.certification import missing_by_submission
from models.catalogue.columns import catalogue_columns
from models.services.rounds import OpenReport, RoundError, close_year, open_year
from models.tables.sections import CHILDREN, SECTIONS, Section2Infrastructure
from workflow import Status

from .conftest import PASSWORD

NEW, LAST = 2571, 2570
DEADLINE = date(2027, 12, 30)
SECTION_PLUMBING = {"submission_id", "carried_forward", "version", "updated_at", "updated_by_id"}
CHILD_TABLES = [(section_cls, name, child_cls) for section_cls in SECTIONS
                for name, child_cls in CHILDREN.get(section_cls, ())]
ALL_TABLES = [cls.__table__ for cls in SECTIONS] + [c.__table__ for _s, _n, c in CHILD_TABLES]


# --- helpers ---------------------------------------------------------------------------------

def _subs(be_year: int) -> dict[int, Submission]:
    """organization_id -> submission of the year."""
    return {s.organization_id: s for s in db.session.scalars(
        select(Submission).where(Submission.fiscal_year == be_year))}


def _values(section_cls, sub_id: int) -> dict:
    table = section_cls.__table__
    row = db.session.execute(select(table).where(table.c.submission_id == sub_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in SECTION_PLUMBING}


def _children(child_cls, sub_id: int) -> list[dict]:
    table = child_cls.__table__
    rows = db.session.execute(select(table).where(table.c.submission_id == sub_id)
                              .order_by(table.c.position, table.c.id)).mappings()
    return [{k: v for k, v in r.items() if k not in ("id", "submission_id")} for r in rows]


def _fingerprint(be_year: int) -> list:
    """Every stored value of one year: the year row, its submissions, sections and child rows."""
    year = db.session.execute(select(FiscalYear.__table__)
                              .where(FiscalYear.be_year == be_year)).all()
    sub_ids = select(Submission.id).where(Submission.fiscal_year == be_year)
    subs = db.session.execute(select(Submission.__table__).where(
        Submission.fiscal_year == be_year).order_by(Submission.id)).all()
    tables = [db.session.execute(select(t).where(t.c.submission_id.in_(sub_ids))
                                 .order_by(*t.primary_key.columns)).all() for t in ALL_TABLES]
    return [year, subs, *tables]


def _row_counts() -> dict[str, int]:
    tables = [Submission.__table__, FiscalYear.__table__, *ALL_TABLES]
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}


def _count_statements(fn):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, statements, elapsed


def _add_org(dla_code: str, name: str, district: str = "6101") -> int:
    org_id = db.session.scalar(insert(Organization).returning(Organization.id), [dict(
        dla_code=dla_code, name_th=name, org_type=OrgType.SAO, province_code="61",
        district_code=district, active=True)])
    db.session.commit()
    return org_id


# --- carry-forward ---------------------------------------------------------------------------

def test_values_and_child_rows_are_carried_forward(demo, app_ctx):
    report = open_year(NEW, DEADLINE)
    active = db.session.scalar(select(func.count()).select_from(Organization)
                               .where(Organization.active.is_(True)))
    assert isinstance(report, OpenReport) and report.new_year and not report.reopened
    assert (report.created, report.carried, report.empty) == (active, active, 0)

    last, new = _subs(LAST), _subs(NEW)
    assert set(new) == set(last) and len(new) == active
    with_children = {name: 0 for _s, name, _c in CHILD_TABLES}
    for org_id, sub in new.items():
        old = last[org_id]
        for section_cls in SECTIONS:
            assert _values(section_cls, sub.id) == _values(section_cls, old.id), \
                (org_id, section_cls.__name__)
        for _section, name, child_cls in CHILD_TABLES:
            rows = _children(child_cls, sub.id)
            assert rows == _children(child_cls, old.id), (org_id, name)
            with_children[name] += bool(rows)
    # The demo has repeating rows of every kind in many LAOs, so the comparison means something.
    assert all(n >= 5 for n in with_children.values()), with_children

    # Child rows get new ids; the previous year's rows keep theirs.
    for _section, _name, child_cls in CHILD_TABLES:
        table = child_cls.__table__
        old_ids = set(db.session.scalars(select(table.c.id).where(table.c.submission_id.in_(
            [s.id for s in last.values()]))))
        new_ids = set(db.session.scalars(select(table.c.id).where(table.c.submission_id.in_(
            [s.id for s in new.values()]))))
        assert len(new_ids) == len(old_ids) and not new_ids & old_ids


def test_every_copied_section_is_marked_carried_forward(demo, app_ctx):
    open_year(NEW, DEADLINE)
    new_ids = [s.id for s in _subs(NEW).values()]
    for section_cls in SECTIONS:
        table = section_cls.__table__
        rows = db.session.execute(select(table.c.carried_forward, table.c.version,
                                         table.c.updated_by_id)
                                  .where(table.c.submission_id.in_(new_ids))).all()
        assert len(rows) == len(new_ids)
        assert {tuple(r) for r in rows} == {(True, 1, None)}, section_cls.__name__


def test_new_submissions_are_drafts_where_the_lao_is(demo, app_ctx):
    report = open_year(NEW, DEADLINE)
    orgs = {o.id: o for o in db.session.scalars(select(Organization))}
    last, new = _subs(LAST), _subs(NEW)
    missing = missing_by_submission(s.id for s in new.values())
    for org_id, sub in new.items():
        org = orgs[org_id]
        assert sub.status is Status.DRAFT and sub.version == 1
        assert (sub.province_code, sub.district_code, sub.org_type) == \
            (org.province_code, org.district_code, org.org_type)
        assert sub.received_at is None and sub.lao_certified_at is None
        assert sub.province_certified_at is None and sub.return_reason is None
        assert sub.extension_until is None
        # sections_complete is recomputed under today's rules, from the copied rows …
        assert sub.sections_complete == 8 - len(missing[sub.id]), org.dla_code
        # … which here are the rules last year was stored under.
        assert sub.sections_complete == last[org_id].sections_complete, org.dla_code
    counts = [s.sections_complete for s in new.values()]
    assert 8 in counts and any(c < 8 for c in counts)
    assert report.complete == counts.count(8)
    assert not db.session.scalar(select(func.count()).select_from(CertificationEvent).where(
        CertificationEvent.submission_id.in_([s.id for s in new.values()])))


def test_last_year_is_untouched(demo, app_ctx):
    before = {be: _fingerprint(be) for be in (2568, 2569, LAST)}
    open_year(NEW, DEADLINE)
    db.session.expire_all()
    assert {be: _fingerprint(be) for be in (2568, 2569, LAST)} == before
    assert db.session.get(FiscalYear, LAST).status is YearStatus.OPEN


def test_second_run_creates_nothing(demo, app_ctx):
    first = open_year(NEW, DEADLINE)
    counts, fingerprint = _row_counts(), _fingerprint(NEW)
    second = open_year(NEW, DEADLINE)
    assert first.created > 0
    assert (second.created, second.carried, second.empty) == (0, 0, 0)
    assert not second.new_year and not second.reopened
    db.session.expire_all()
    assert _row_counts() == counts and _fingerprint(NEW) == fingerprint
    # A later run may move the deadline; still nothing is created.
    third = open_year(NEW, DEADLINE + timedelta(days=15))
    assert third.created == 0 and _row_counts() == counts
    assert db.session.get(FiscalYear, NEW).deadline == DEADLINE + timedelta(days=15)


def test_inactive_lao_gets_nothing_and_a_new_lao_starts_empty(demo, app_ctx):
    inactive = db.session.scalar(select(Organization).where(Organization.org_type == OrgType.SAO)
                                 .order_by(Organization.dla_code.desc()))
    db.session.execute(update(Organization).where(Organization.id == inactive.id)
                       .values(active=False))
    db.session.commit()
    newcomer = _add_org("6610199", "องค์การบริหารส่วนตำบลตั้งใหม่")

    report = open_year(NEW, DEADLINE)
    new = _subs(NEW)
    assert inactive.id not in new and newcomer in new
    assert report.empty == 1 and report.carried == report.created - 1
    sub = new[newcomer]
    assert sub.status is Status.DRAFT and sub.sections_complete == 0
    for section_cls in SECTIONS:
        table = section_cls.__table__
        row = db.session.execute(select(table).where(table.c.submission_id == sub.id)).mappings().one()
        assert row["carried_forward"] is False and row["version"] == 1
        assert all(row[c.name] is None for c in catalogue_columns(section_cls)), section_cls
    for _section, _name, child_cls in CHILD_TABLES:
        assert _children(child_cls, sub.id) == []

    # Re-activated later, the LAO gets its draft on the next run; nobody else is touched.
    db.session.execute(update(Organization).where(Organization.id == inactive.id)
                       .values(active=True))
    db.session.commit()
    again = open_year(NEW, DEADLINE)
    assert (again.created, again.carried) == (1, 1)
    assert inactive.id in _subs(NEW)


def test_a_lao_that_skipped_a_year_carries_its_most_recent_data(demo, app_ctx):
    org_id, sub_2570 = next(iter(sorted(_subs(LAST).items())))
    source = _subs(2569)[org_id]
    # The demo's values change from year to year, so the source year is visible in the copy.
    assert any(_values(cls, source.id) != _values(cls, sub_2570.id) for cls in SECTIONS)
    # Remove the LAO's FY 2570 (its sections and child rows go with it: ON DELETE CASCADE).
    db.session.execute(delete(CertificationEvent).where(CertificationEvent.submission_id
                                                        == sub_2570.id))
    for table in reversed(ALL_TABLES):  # child rows first
        db.session.execute(delete(table).where(table.c.submission_id == sub_2570.id))
    db.session.execute(delete(Submission.__table__).where(Submission.id == sub_2570.id))
    db.session.commit()

    open_year(NEW, DEADLINE)
    copy = _subs(NEW)[org_id]
    for section_cls in SECTIONS:
        assert _values(section_cls, copy.id) == _values(section_cls, source.id)
    for _section, _name, child_cls in CHILD_TABLES:
        assert _children(child_cls, copy.id) == _children(child_cls, source.id)


# --- scale -----------------------------------------------------------------------------------

def test_statement_count_does_not_grow_with_the_number_of_laos(demo, app_ctx, capsys):
    import demo as demo_seed

    small, small_sql, small_time = _count_statements(lambda: open_year(NEW, DEADLINE))

    # Add ชัยนาท (18) with its three years, then open the next year for both provinces.
    demo_seed.seed_demo(scale="demo", years=3, password=PASSWORD, extra_provinces=("18",),
                        echo=lambda _line: None)
    db.session.commit()
    large, large_sql, large_time = _count_statements(lambda: open_year(NEW + 1, date(2028, 12, 30)))

    assert large.created > small.created * 1.5, (small.created, large.created)
    assert large.empty == 0 and large.carried == large.created
    assert len(large_sql) == len(small_sql), "\n".join(s.split("\n")[0][:100] for s in large_sql)
    assert len(small_sql) <= 40
    with capsys.disabled():
        print(f"\nopen_year: {small.created} LAOs -> {len(small_sql)} statements, "
              f"{small_time:.2f}s; {large.created} LAOs -> {len(large_sql)} statements, "
              f"{large_time:.2f}s [{db.engine.dialect.name}]")


# --- close and re-open -----------------------------------------------------------------------

def _first_count_column():
    return next(c.key for c in catalogue_columns(Section2Infrastructure)
                if c.info["kind"] == "count" and c.info.get("max") is None)


def test_close_year_locks_the_year_and_keeps_statuses(demo, app_ctx, runner):
    deadline = date.today() + timedelta(days=400)
    open_year(NEW, deadline)
    column = _first_count_column()
    sub = next(iter(_subs(NEW).values()))

    # Open year, draft, before the deadline: a save goes through.
    section = db.session.get(Section2Infrastructure, sub.id)
    setattr(section, column, (getattr(section, column) or 0) + 1)
    section.carried_forward = False
    db.session.commit()

    statuses = dict(db.session.execute(select(Submission.id, Submission.status)).all())
    result = runner.invoke(args=["close-year", str(NEW)])
    assert result.exit_code == 0, result.output
    assert f"FY {NEW} closed: {len(_subs(NEW))} submissions" in result.output
    db.session.expire_all()
    year = db.session.get(FiscalYear, NEW)
    assert year.status is YearStatus.CLOSED and year.closed_at is not None

    section = db.session.get(Section2Infrastructure, sub.id)
    setattr(section, column, getattr(section, column) + 1)
    with pytest.raises(SubmissionLocked) as locked:
        db.session.commit()
    assert "ปิดแล้ว" in str(locked.value)
    db.session.rollback()

    # Closing the demo's open year keeps every status (certified stays certified).
    assert close_year(LAST) == len(_subs(LAST))
    db.session.expire_all()
    assert dict(db.session.execute(select(Submission.id, Submission.status)).all()) == statuses
    assert {s.status for s in _subs(LAST).values()} > {Status.DRAFT}


def test_reopening_a_closed_year_touches_no_submission(demo, app_ctx):
    open_year(NEW, DEADLINE)
    close_year(NEW)
    newcomer = _add_org("6610199", "องค์การบริหารส่วนตำบลตั้งใหม่")
    counts, fingerprint = _row_counts(), _fingerprint(NEW)[1:]

    report = open_year(NEW, DEADLINE + timedelta(days=30))
    assert report.reopened and report.created == 0
    db.session.expire_all()
    year = db.session.get(FiscalYear, NEW)
    assert (year.status, year.deadline, year.closed_at) == \
        (YearStatus.OPEN, DEADLINE + timedelta(days=30), None)
    assert _row_counts() == counts and _fingerprint(NEW)[1:] == fingerprint
    assert newcomer not in _subs(NEW)


# --- refusals --------------------------------------------------------------------------------

def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


@pytest.mark.parametrize("call", [
    lambda: open_year(NEW, date(2026, 9, 30), opens_on=date(2026, 10, 1)),   # deadline < opens_on
    lambda: open_year(2027, DEADLINE),                                        # a CE year
    lambda: open_year(2499, DEADLINE),
    lambda: open_year(2701, DEADLINE),
    lambda: open_year(NEW, date(2570, 12, 30)),                              # a BE date
    lambda: close_year(2599),                                                 # no such year
    lambda: close_year(2569),                                                 # already closed
    lambda: close_year(2027),
], ids=["deadline-before-opens", "ce-year", "too-early", "too-late", "be-deadline",
        "close-unknown", "close-closed", "close-ce-year"])
def test_refusals_are_round_errors_in_thai_and_write_nothing(demo, app_ctx, call):
    counts, years = _row_counts(), _fingerprint(2569)[0] + _fingerprint(LAST)[0]
    with pytest.raises(RoundError) as refused:
        call()
    assert isinstance(refused.value, ValueError) and _thai(str(refused.value))
    db.session.expire_all()
    assert _row_counts() == counts
    assert _fingerprint(2569)[0] + _fingerprint(LAST)[0] == years


def test_deadline_defaults_to_a_window_from_today(demo, app_ctx):
    from workflow import today_in_thailand
    with pytest.raises(RoundError):
        open_year(NEW, today_in_thailand() - timedelta(days=1))
    report = open_year(NEW, DEADLINE)
    assert report.opens_on == today_in_thailand()


# --- CLI -------------------------------------------------------------------------------------

def test_cli_open_year_prints_the_counts(demo, app_ctx, runner):
    result = runner.invoke(args=["open-year", str(NEW), "--deadline", "2027-12-30"])
    assert result.exit_code == 0, result.output
    created = len(_subs(NEW))
    assert created > 0
    assert f"{created} submissions created — {created} carried forward, 0 empty" in result.output
    assert "deadline 2027-12-30" in result.output
    result = runner.invoke(args=["open-year", str(NEW), "--deadline", "2027-12-30"])
    assert result.exit_code == 0 and "0 submissions created" in result.output


@pytest.mark.parametrize("args", [
    ["open-year", str(NEW), "--deadline", "30/12/2027"],
    ["open-year", str(NEW), "--deadline", "2027-13-01"],
    ["open-year", str(NEW), "--deadline", "2027-02-30"],
    ["open-year", str(NEW), "--deadline", "20271230"],
    ["open-year", str(NEW), "--deadline", "2570-12-30"],
    ["open-year", str(NEW), "--deadline", "2027-12-30", "--opens-on", "2028-01-01"],
    ["open-year", str(NEW), "--deadline", "2027-12-30", "--opens-on", "tomorrow"],
    ["open-year", "25x1", "--deadline", "2027-12-30"],
    ["open-year", "2027", "--deadline", "2027-12-30"],
    ["close-year", "2599"],
    ["close-year", "2569"],
    ["close-year", "next"],
])
def test_cli_bad_input_is_one_line_and_writes_nothing(demo, app_ctx, runner, args):
    counts, fingerprint = _row_counts(), [_fingerprint(be) for be in (2569, LAST)]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and _thai(lines[0]), result.output
    db.session.expire_all()
    assert db.session.get(FiscalYear, NEW) is None
    assert _row_counts() == counts
    assert [_fingerprint(be) for be in (2569, LAST)] == fingerprint
