"""INFO — ระบบข้อมูลกลางองค์กรปกครองส่วนท้องถิ่น.

`create_app()` reads like a table of contents: configuration, database, extensions, security,
templates, blueprints, the Flask-Admin back office, the CLI.  Nothing runs at import time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel, gettext, lazy_gettext
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam, event, select

from models import AccountStatus, User, db
from models.catalogue.collation import SQLITE_COLLATION, sqlite_thai_collation
from models.tables.audit import current_actor

LANGUAGES = ("th", "en")

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()


class ConfigError(SystemExit):
    """The app refuses to start; the message is one line for the operator, no traceback."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the INFO application (used by waitress, the CLI and tests)."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    init_database(app)
    init_extensions(app)
    init_security(app)
    init_templates(app)
    register_blueprints(app)
    init_admin(app)
    register_cli(app)
    freeze_startup_objects(app)
    return app


def freeze_startup_objects(app: Flask) -> None:
    """Move what start-up built (modules, the catalogue, Flask-Admin's views and form classes:
    ~180,000 objects) out of the cyclic garbage collector's reach.  They live as long as the
    process, yet every full collection walked them all again: 85 ms of CPU each, in the middle of
    whichever request was running (bench/bench_cpu.py: 8.4 % of the mixed workload's CPU, and the
    section form's mean 18 ms against its median 10).  Not in tests, which build many apps in one
    process (a frozen app would never be collected)."""
    if app.config["INFO_MODE"] != "test":
        import gc
        gc.freeze()


# --- configuration ---------------------------------------------------------------------------

def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Defaults → environment → explicit overrides; refuse to start without a secret key."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        INFO_MODE=os.environ.get("INFO_MODE", "production"),  # production | demo | test
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        SQLALCHEMY_DATABASE_URI=normalize_database_url(os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'info.sqlite3'}")),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Failed sign-ins only (a success is not counted): per client address, per account and
        # address, per account across all addresses (a known device of the account is exempt
        # from the last, so an attack on an account does not lock its owner out).
        LOGIN_RATE_LIMIT="10 per minute",
        LOGIN_ACCOUNT_IP_LIMIT="10 per 10 minutes",
        LOGIN_ACCOUNT_LIMIT="50 per hour",
        # สมัครสมาชิก and set-password posts, and the LAO search of the form, per client address.
        REGISTER_RATE_LIMIT=os.environ.get("REGISTER_RATE_LIMIT", "10 per hour"),
        SEARCH_RATE_LIMIT=os.environ.get("SEARCH_RATE_LIMIT", "120 per minute"),
        # How long a set-password link an administrator issues stays valid.
        RESET_LINK_HOURS=int(os.environ.get("RESET_LINK_HOURS", "24") or 24),
        # The open data API (/api/v1): requests per client address, and how long a proxy or a
        # browser may keep an answer before asking again (the ETag makes asking cheap).
        API_RATE_LIMIT=os.environ.get("API_RATE_LIMIT", "120 per minute"),
        API_CACHE_SECONDS=int(os.environ.get("API_CACHE_SECONDS", "60") or 60),
        # Reverse proxies in front whose X-Forwarded-For may be believed (0: none, a direct
        # client cannot choose its address).
        TRUSTED_PROXY_HOPS=int(os.environ.get("TRUSTED_PROXY_HOPS", "0") or 0),
        # Sessions (views/sessions.py): the sign-in ends after SESSION_IDLE_MINUTES without a
        # request and SESSION_ABSOLUTE_HOURS after signing in, checked by the server at each
        # request (a number, or a timedelta in tests; read per request).  The cookie itself
        # lives SESSION_COOKIE_DAYS, so a form sent after the sign-in ended still carries its
        # CSRF token and whose it was, and its typed values are kept (views/unsaved.py).
        SESSION_IDLE_MINUTES=int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        SESSION_ABSOLUTE_HOURS=int(os.environ.get("SESSION_ABSOLUTE_HOURS", 10)),
        SESSION_COOKIE_DAYS=int(os.environ.get("SESSION_COOKIE_DAYS", 7)),
        SESSION_REFRESH_EACH_REQUEST=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE", "1") == "1",
        SESSION_COOKIE_NAME="info_session",
        REMEMBER_COOKIE_DURATION=timedelta(0),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead; long forms must not expire
        MAX_CONTENT_LENGTH=int(os.environ.get("MAX_CONTENT_MB", 10)) * 1024 * 1024,
        # Open data (views/opendata.py): the licence of the certified data, shown on every public
        # page and download and in the DCAT catalogue, and its publisher.
        DATA_LICENSE_NAME=os.environ.get(
            "DATA_LICENSE_NAME", "Creative Commons Attribution 4.0 International (CC BY 4.0)"),
        DATA_LICENSE_URL=os.environ.get("DATA_LICENSE_URL",
                                        "https://creativecommons.org/licenses/by/4.0/"),
        DATA_PUBLISHER_TH=os.environ.get("DATA_PUBLISHER_TH", "กรมส่งเสริมการปกครองท้องถิ่น"),
        DATA_PUBLISHER_EN=os.environ.get("DATA_PUBLISHER_EN",
                                         "Department of Local Administration"),
        DATA_PUBLISHER_URL=os.environ.get("DATA_PUBLISHER_URL", "https://www.dla.go.th/"),
        # Personal data (PDPA, views/accounts.py /privacy): whom a person writes to about the
        # personal data INFO holds (the data controller's contact; the publisher's name and
        # address by default), and how long rejected or expired account requests and accounts
        # disabled since are kept before `flask purge-personal-data` anonymises them.
        DATA_CONTROLLER_CONTACT=os.environ.get("DATA_CONTROLLER_CONTACT", ""),
        PERSONAL_DATA_RETENTION_DAYS=int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "365")
                                         or 365),
        # Workbooks kept until their data changes (views/workbook_cache.py).
        WORKBOOK_CACHE_DIR=os.environ.get("WORKBOOK_CACHE_DIR") or None,
        BABEL_DEFAULT_LOCALE="th",
        BABEL_DEFAULT_TIMEZONE="Asia/Bangkok",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(app.root_path) / "translations"),
        FLASK_ADMIN_SWATCH="default",
    )
    if overrides:
        app.config.update(overrides)
    if "PERMANENT_SESSION_LIFETIME" not in (overrides or {}):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["SESSION_COOKIE_DAYS"])
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])

    mode = app.config["INFO_MODE"]
    if mode not in ("production", "demo", "test"):
        raise ConfigError(f"INFO cannot start: INFO_MODE must be production, demo or test, not {mode!r}")
    if not app.config.get("SECRET_KEY"):
        if mode == "production":
            raise ConfigError("INFO cannot start: SECRET_KEY is not set: export a long random SECRET_KEY "
                              "(python -c 'import secrets; print(secrets.token_hex(32))')")
        # Demo and test runs get a throwaway key: their sessions end when the process does.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if mode != "production":
        app.config["SESSION_COOKIE_SECURE"] = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"


def normalize_database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# --- database --------------------------------------------------------------------------------

def init_database(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"),
                     render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        from models.reads import master_cache  # filter options: dropped when master data changes
        master_cache.watch(db.engine)


def configure_sqlite(engine) -> None:
    """WAL, busy_timeout, foreign keys, and BEGIN IMMEDIATE for writes (SQLAlchemy's recipe).

    With pysqlite's deferred BEGIN, a transaction that reads and then writes fails with
    "database is locked" when another connection committed in between (busy_timeout does not
    help), so write transactions take the write lock up front.  Safe requests (GET/HEAD) keep a
    deferred BEGIN so readers do not queue behind each other.
    """
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # Thai dictionary order in ORDER BY (models/catalogue/collation.thai_order).
        dbapi_connection.create_collation(SQLITE_COLLATION, sqlite_thai_collation)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if _is_safe_request() else "BEGIN IMMEDIATE")


def _is_safe_request() -> bool:
    """GET/HEAD/OPTIONS, or a POST that declared itself read-only (`g.read_only`: the import's
    dry run, which reads a whole file's rows and must not hold the write lock meanwhile)."""
    from flask import g, has_request_context
    return has_request_context() and (request.method in ("GET", "HEAD", "OPTIONS")
                                      or bool(g.get("read_only")))


# --- extensions ------------------------------------------------------------------------------

def init_extensions(app: Flask) -> None:
    csrf.init_app(app)
    from views.forms import use_faster_html_params
    use_faster_html_params()
    from views.i18n import use_faster_babel_context
    use_faster_babel_context()
    babel.init_app(app, locale_selector=select_locale)
    # workflow.py (standard library only) translates its refusals through Flask-Babel.
    import workflow
    from views.i18n import current_lang
    workflow.use_language(gettext, current_lang)
    from views.auth import limiter
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("กรุณาเข้าสู่ระบบก่อน")
    login_manager.login_message_category = "warning"
    # Flask-Login's session protection binds a session to the client's address and browser; on
    # INFO's permanent sessions "strong" only marked them not fresh, which nothing reads.  Not
    # used: a clerk on a phone changes address mid-form.  Sessions end instead by the rotating
    # token (logout, password, role, place, status), the idle and the absolute timeout (README).
    login_manager.session_protection = None

    @app.context_processor
    def _inject_locale():
        return {"current_locale": select_locale(), "languages": LANGUAGES}


def select_locale() -> str:
    """Thai unless the browser chose English with the language switch (stored in the session)."""
    lang = session.get("lang") if request else None
    return lang if lang in LANGUAGES else "th"


# Built once: every signed-in request runs it (building a statement costs more CPU than
# running this one, issue 13).
USER_BY_TOKEN = select(User).where(User.session_token == bindparam("token"))


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Sessions carry the user's rotating session token, never the bare id (logout ends them)."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(USER_BY_TOKEN, {"token": token})
    if user is None or user.status is not AccountStatus.ACTIVE:
        return None
    return user


# --- security --------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}
# Scripts: INFO's own files and the <script> tags that carry this response's nonce (Flask-Admin
# puts it on its own, `csp_nonce_generator` in views/admin.py); no inline handler or
# javascript: URL runs.  Styles stay 'unsafe-inline' (style attributes throughout Flask-Admin).
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'nonce-{nonce}' 'report-sample'; object-src 'none'; frame-ancestors 'none'; "
       "form-action 'self'; base-uri 'self'")


# Public pages of certified data that a reverse proxy may cache.
PUBLIC_PAGES = frozenset({"public.index", "public.organization", "public.organization_year",
                          "public.organization_year_data", "public.stats", "public.about",
                          "public.compare",
                          # the certified workbooks: a proxy keeps the national one a while
                          "public.stats_workbook",
                          # open data: the feed of publications, the catalogue, the dictionary
                          "opendata.changes_feed", "opendata.data_dictionary",
                          "opendata.data_dictionary_json", "opendata.national_csv",
                          "opendata.catalog_jsonld", "opendata.catalog_ttl"})


def init_security(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        # Werkzeug's ProxyFix believes exactly `hops` proxies: the real client address for the
        # login limits and the audit trail, and https from the proxy's X-Forwarded-Proto.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.before_request
    def _refuse_nul_bytes():
        # PostgreSQL text cannot hold NUL (SQLite can): refuse it everywhere alike, up front.
        values = [v for source in (request.args, request.form) for _k, vs in source.lists()
                  for v in vs]
        if any("\x00" in value for value in values):
            from flask import abort
            abort(400)

    from views.sessions import end_expired_sign_in, note_request

    @app.before_request
    def _request_id_and_session_timeouts():
        # INFO's own id: a client's X-Request-Id must not write what the audit log says.
        g.request_id = secrets.token_hex(8)
        # The idle and the absolute timeout, by the server: the cookie outlives the sign-in.
        end_expired_sign_in()
        # The audit trail records who made each change and in which request.
        user_id = current_user.id if current_user.is_authenticated else None
        note_request(user_id is not None)
        current_actor.set((user_id, g.request_id))

    @app.teardown_request
    def _forget_actor(_exc):
        # The context variable outlives the request in its thread: a later CLI command or
        # request must not write the previous user's id into a trail.
        current_actor.set((None, None))

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        from views.presentation import csp_nonce
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        static = request.endpoint in ("static", "admin.static", "vendor.asset")
        if not static and (current_user.is_authenticated or request.path.startswith("/admin")):
            # Signed-in pages and exports hold LAO data: no browser or proxy keeps a copy.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        elif request.endpoint in PUBLIC_PAGES and response.status_code == 200:
            # Certified data only, the same for everybody: a proxy may keep it for a while.
            response.headers["Cache-Control"] = "public, max-age=300"
            response.vary.add("Cookie")
        elif not static and "Cache-Control" not in response.headers:
            # Anything else no one keeps: the sign-in and สมัครสมาชิก forms, a set-password
            # page (it names the account), errors.  The API sets its own (views/api.py).
            response.headers["Cache-Control"] = "no-store"
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response


# --- templates, blueprints, admin, cli -------------------------------------------------------

def init_templates(app: Flask) -> None:
    """The filters and globals every template uses (views/presentation.py)."""
    from views.presentation import init_templates as register
    register(app)


def register_blueprints(app: Flask) -> None:
    from views import accounts, api, auth, errors, guides, opendata, public, sessions, vendor
    app.register_blueprint(public.bp)
    app.register_blueprint(opendata.bp)
    app.register_blueprint(guides.bp)
    app.register_blueprint(auth.bp)
    sessions.register(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(vendor.bp)
    api.init_api(app)
    errors.register(app)


def init_admin(app: Flask) -> None:
    from views.admin import build_admin
    build_admin(app)


def register_cli(app: Flask) -> None:
    import cli
    cli.register(app)


