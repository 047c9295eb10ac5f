"""The foundation: configuration, schema, geography, accounts, CLI and the two commands."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import ConfigError, create_app
from models import (CertificationEvent, District, FiscalYear, Organization, OrgType, Province,
                    Subdistrict, Submission, User, YearStatus, db)
from workflow import Role, Status

from .conftest import PASSWORD


# --- configuration ---------------------------------------------------------------------------

def test_missing_secret_key_in_production_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INFO_MODE", "production")
    with pytest.raises(ConfigError) as excinfo:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    message = str(excinfo.value)
    assert "SECRET_KEY" in message and "\n" not in message


def test_production_with_secret_key_starts(monkeypatch):
    monkeypatch.setenv("INFO_MODE", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_postgres_urls_use_psycopg3():
    from app import normalize_database_url
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x") == "sqlite:///x"


# --- schema ----------------------------------------------------------------------------------

def test_migrations_match_the_models(app_ctx):
    """`db upgrade` built this database; the models must have nothing the migrations lack."""
    with db.engine.connect() as conn:
        from models.base import include_object_for
        context = MigrationContext.configure(conn, opts={
            "include_object": include_object_for(conn.dialect.name)})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_database_connection_settings(app_ctx):
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        else:
            assert conn.dialect.name == "postgresql"
            assert conn.dialect.driver == "psycopg"
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"


def test_sqlite_writes_begin_immediate(tmp_path):
    """Outside a safe request every transaction takes the write lock up front."""
    app = create_app({"INFO_MODE": "test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    statements = []
    with app.app_context():
        from sqlalchemy import event, text
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.append(a[2]))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA user_version").scalar()  # first statement
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x int)"))
    began = [s for s in statements if s.startswith("BEGIN")]
    assert began and all(s == "BEGIN IMMEDIATE" for s in began)


def test_geography_counts(app_ctx):
    assert db.session.scalar(select(func.count()).select_from(Province)) == 77
    assert db.session.scalar(select(func.count()).select_from(District)) == 928
    assert db.session.scalar(select(func.count()).select_from(Subdistrict)) == 7436
    uthai = db.session.get(Province, "61")
    assert uthai.name_th == "อุทัยธานี"
    assert db.session.get(Subdistrict, "610101").postal_code == "61000"


def test_seed_geo_twice_adds_nothing(runner):
    result = runner.invoke(args=["seed-geo"])
    assert result.exit_code == 0
    assert "0 provinces, 0 districts, 0 subdistricts added" in result.output


# --- accounts --------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [
    dict(),                                                  # none
    dict(province_code="61", district_code="6101"),          # two
])
def test_user_scope_constraint_rejects_none_or_two_scopes(app_ctx, scope):
    db.session.add(User(username="x", password_hash="x", role=Role.PROVINCE_OFFICER, **scope))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_dla_admin_has_no_scope_columns(app_ctx):
    db.session.add(User(username="a", password_hash="x", role=Role.DLA_ADMIN, province_code="61"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(User(username="a", password_hash="x", role=Role.DLA_ADMIN))
    db.session.flush()


def test_password_is_argon2id(app_ctx):
    user = User(username="u", role=Role.DLA_ADMIN)
    user.set_password("correct horse battery")
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("correct horse battery")
    assert not user.check_password("wrong")


# --- create-user -----------------------------------------------------------------------------

def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("args, message", [
    (["--role", "king"], "unknown role"),
    (["--role", "province_officer"], "needs --scope"),
    (["--role", "province_officer", "--scope", "99"], "no province"),
    (["--role", "lao_editor", "--scope", "6101"], "no organization"),
    (["--role", "dla_admin", "--scope", "61"], "whole country"),
])
def test_create_user_bad_input_writes_nothing(app, runner, args, message):
    result = runner.invoke(args=["create-user", "--username", "someone", *args],
                           input="long-enough-password\nlong-enough-password\n")
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert _users() == 0


def test_create_user_prompts_for_password(app, runner):
    result = runner.invoke(args=["create-user", "--username", "somchai", "--role",
                                 "province_officer", "--scope", "61"],
                           input="long-enough-password\nlong-enough-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "somchai"))
        assert user.province_code == "61" and user.check_password("long-enough-password")


# --- demo data -------------------------------------------------------------------------------

def test_demo_seed_creates_every_role_and_state(app, demo):
    with app.app_context():
        roles = set(db.session.scalars(select(User.role).distinct()))
        assert roles == set(Role)
        assert db.session.scalar(select(User.id).where(User.username == "admin"))
        assert db.session.scalar(select(User.id).where(User.username == "prov-61"))
        assert db.session.scalar(select(User.id).where(User.username == "dist-6101"))
        orgs = db.session.scalars(select(Organization)).all()
        assert {o.province_code for o in orgs} == {"61"}
        kinds = [o.org_type for o in orgs]
        assert kinds.count(OrgType.PAO) == 1 and OrgType.SAO in kinds
        assert OrgType.SUBDISTRICT_MUNICIPALITY in kinds
        assert {o.district_code for o in orgs} == {d.code for d in
                                                   db.session.get(Province, "61").districts}
        years = {y.be_year: y for y in db.session.scalars(select(FiscalYear))}
        assert sorted(years) == [2568, 2569, 2570]
        assert years[2570].status is YearStatus.OPEN and years[2568].status is YearStatus.CLOSED
        from demo import open_year_deadline
        assert years[2570].deadline == open_year_deadline()   # 2026-12-30 until that day
        open_states = set(db.session.scalars(
            select(Submission.status).where(Submission.fiscal_year == 2570)))
        assert open_states == set(Status)
        assert set(db.session.scalars(select(Submission.status)
                                      .where(Submission.fiscal_year == 2568))) \
            == {Status.PROVINCE_CERTIFIED}
        # Every LAO has one submission per year; every section row is there.
        assert db.session.scalar(select(func.count()).select_from(Submission)) == len(orgs) * 3
        incomplete = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570, Submission.sections_complete < 8))
        assert incomplete > 0


def test_demo_state_equals_last_event(app, demo):
    with app.app_context():
        for sub in db.session.scalars(select(Submission)):
            events = sub.events
            if events:
                assert events[-1].to_status is sub.status
            else:
                assert sub.status is Status.DRAFT


def test_seed_demo_twice_does_not_duplicate(app, runner, demo):
    with app.app_context():
        before = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Organization, User, Submission, CertificationEvent, FiscalYear)}
    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        after = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                 for m in (Organization, User, Submission, CertificationEvent, FiscalYear)}
    assert after == before


def test_seed_demo_requires_a_password(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "--password" in result.output


def test_national_plan_matches_the_type_mix():
    import random
    from demo import NATIONAL_MIX, plan_organizations
    plan = plan_organizations("national", random.Random(1))
    counts = {kind: sum(1 for o in plan if o.org_type is kind) for kind in OrgType}
    assert counts == NATIONAL_MIX
    assert len(plan) == 7850
    assert len({o.dla_code for o in plan}) == 7850
    assert all(len(o.dla_code) == 7 and o.dla_code.isdigit() for o in plan)
    assert len({o.province_code for o in plan}) == 77


def test_national_scale_seed_matches_the_type_mix(app, runner):
    result = runner.invoke(args=["seed-demo", "--scale", "national", "--years", "1",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    from demo import NATIONAL_MIX
    from models.tables.sections import SECTIONS
    with app.app_context():
        counts = dict(db.session.execute(
            select(Organization.org_type, func.count()).group_by(Organization.org_type)).all())
        assert counts == NATIONAL_MIX
        n_orgs = sum(NATIONAL_MIX.values())
        assert db.session.scalar(select(func.count()).select_from(Submission)) == n_orgs
        for section in SECTIONS:  # every section of every LAO-year is filled
            assert db.session.scalar(select(func.count()).select_from(section)) == n_orgs
        assert db.session.scalar(select(func.count(func.distinct(Organization.province_code)))) == 77
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.LAO_EDITOR)) == n_orgs
    _no_personal_data_at_national_scale(app)


def _no_personal_data_at_national_scale(app):
    """Issue 23: at national scale too, no recorder's name, position or mobile number is in
    anything the public reads of the whole country (the national CSV, statistics, the home
    page, the feed, the catalogue, a province's workbook, a comparison)."""
    import io
    import random
    import zipfile

    from models.tables.sections import Section1General, Section1Recorder
    from workflow import PUBLIC_STATUSES
    with app.app_context():
        rows = db.session.execute(
            select(Section1Recorder.name, Section1Recorder.position_title, Section1Recorder.phone,
                   Section1General.phone, Submission.province_code, Organization.dla_code)
            .join(Submission, Submission.id == Section1Recorder.submission_id)
            .join(Organization, Organization.id == Submission.organization_id)
            .join(Section1General, Section1General.submission_id == Submission.id)
            .where(Submission.status.in_(list(PUBLIC_STATUSES)))).all()
    assert len(rows) > 1000
    sample = random.Random(23).sample(rows, 60)
    # (a recorder may give the office's number, which is published as the office's)
    secrets = {r[0] for r in sample} | {r[2] for r in sample if r[2] != r[3]}
    client = app.test_client()
    year = 2570
    urls = [f"/opendata/{year}.csv", f"/api/v1/statistics/{year}", f"/stats?year={year}", "/",
            "/feeds/changes.atom", "/catalog.jsonld",
            f"/stats/workbook.xlsx?year={year}&province={sample[0][4]}",
            f"/compare?similar={sample[0][5]}&year={year}"]
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        body = response.get_data()
        if body[:4] == b"PK\x03\x04":
            archive = zipfile.ZipFile(io.BytesIO(body))
            text = "\n".join(archive.read(n).decode("utf-8", "replace")
                             for n in archive.namelist())
        else:
            text = body.decode("utf-8", "replace")
        assert not [value for value in secrets if value and value in text], url


def test_demo_open_year_drafts_hold_carried_forward_sections(app, demo):
    from models.tables.sections import SECTIONS
    with app.app_context():
        drafts = select(Submission.id).where(Submission.fiscal_year == 2570,
                                             Submission.status == Status.DRAFT)
        carried = sum(db.session.scalar(select(func.count()).select_from(s).where(
            s.submission_id.in_(drafts), s.carried_forward)) for s in SECTIONS)
        certified = sum(db.session.scalar(select(func.count()).select_from(s).where(
            ~s.submission_id.in_(drafts), s.carried_forward)) for s in SECTIONS)
        assert carried > 0 and certified == 0
