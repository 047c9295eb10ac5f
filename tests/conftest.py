"""Fixtures: one app and one migrated database per run (SQLite file, or TEST_DATABASE_URL),
emptied of everything but geography after each test."""

from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app, normalize_database_url
from models import db

GEO_TABLES = {"province", "district", "subdistrict", "alembic_version"}
PASSWORD = "test-password-2570"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:  # each pytest-xdist worker has its own temporary folder
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = normalize_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = _worker_database(url, worker)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001
        # CI sets TEST_DATABASE_URL on purpose: an unreachable database fails the run.
        pytest.exit(f"TEST_DATABASE_URL is set but unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()
    return url


def _worker_database(url: str, worker: str) -> str:
    """`make test` runs pytest-xdist workers (tests/README): each gets its own PostgreSQL database,
    <TEST_DATABASE_URL's database>_<worker>, created when missing (.ci/run drops them all)."""
    from sqlalchemy.engine import make_url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"cannot create the worker database {name}: {exc}", returncode=3)
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({"INFO_MODE": "test", "TESTING": True,
                      "WORKBOOK_CACHE_DIR": str(tmp_path_factory.mktemp("workbooks")),
                      # A workbook is written in the request however slow the machine is;
                      # tests of the background writing set 0 (tests/test_workbook_cache.py).
                      "WORKBOOK_FRESH_SECONDS": 60,
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      # Rate limiting stays on (one Limiter serves every app a test builds);
                      # the suite signs in far more often than a person could.
                      "LOGIN_RATE_LIMIT": "100000 per minute",
                      "LOGIN_ACCOUNT_IP_LIMIT": "100000 per minute",
                      "LOGIN_ACCOUNT_LIMIT": "100000 per minute",
                      "API_RATE_LIMIT": "100000 per minute",
                      "REGISTER_RATE_LIMIT": "100000 per minute",
                      "SEARCH_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # a clean schema for this run
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        from demo import seed_geography
        seed_geography()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in GEO_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "app" in request.fixturenames:
        _empty_tables(request.getfixturevalue("app"))


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def demo(app, runner):
    """The Uthai Thani demo (3 fiscal years); returns the CLI output."""
    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return result.output


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a rendered form."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def signed_in(app, username: str):
    """A test client signed in as `username`, with a CSRF token of its session (`.token`)."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    client.token = csrf_token(client, "/admin/")
    return client


@pytest.fixture()
def two_provinces(app):
    """Uthai Thani (61) and Chai Nat (18), two fiscal years, LAOs in every state."""
    from demo import seed_demo
    with app.app_context():
        seed_demo(scale="demo", years=2, password=PASSWORD, extra_provinces=("18",),
                  echo=lambda *_: None)
        db.session.remove()


@pytest.fixture()
def complete_draft(app, demo):
    """(submission id, clerk username, LAO name) of the first FY 2570 draft whose sections
    are all complete and all saved this year (none carried from last year, which certifying
    would first ask to confirm: a test that wants carried sections marks them itself), never
    certified (no history: not a returned one)."""
    from sqlalchemy import select

    from models import CertificationEvent, Submission
    from models.tables.sections import SECTIONS
    from workflow import SECTION_COUNT, Status
    with app.app_context():
        carried = [select(cls.submission_id).where(cls.carried_forward) for cls in SECTIONS]
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
            Submission.sections_complete == SECTION_COUNT,
            Submission.id.not_in(select(CertificationEvent.submission_id)),
            *[Submission.id.not_in(query) for query in carried]).order_by(Submission.id)).first()
        return sub.id, f"lao-{sub.organization.dla_code}", sub.organization.name_th


@pytest.fixture()
def clerk(complete_draft, login_as):
    """A clerk signed in (the test client), with a complete draft of FY 2570 to edit."""
    sub_id, username, _name = complete_draft
    login_as(username)
    return sub_id


@pytest.fixture()
def login_as(client):
    def _login(username: str, password: str = PASSWORD):
        response = login(client, username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return _login


def pytest_terminal_summary(terminalreporter):
    """How much the fuzz tests sent (record_property("fuzz_requests"/"fuzz_server_errors");
    the properties travel with the reports from pytest-xdist workers)."""
    totals: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name.startswith("fuzz_") and getattr(report, "when", "") == "call":
                    totals[name] = totals.get(name, 0) + int(value)
    if totals:
        terminalreporter.write_line(
            f"fuzz: {totals.get('fuzz_requests', 0):,} requests, "
            f"{totals.get('fuzz_server_errors', 0)} server errors")
