"""Sign-in, sign-out, sessions that really end, CSRF, security headers, health check."""

from __future__ import annotations

from sqlalchemy import select

from models import AccountStatus, User, db

from .conftest import PASSWORD, csrf_token, login


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_admin_requires_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_demo_role_can_sign_in(client, demo):
    for username in ("admin", "prov-61", "dist-6101"):
        response = login(client, username)
        assert response.status_code == 302, username
        page = client.get("/admin/")
        assert page.status_code == 200
        assert username in page.get_data(as_text=True) or "ยินดีต้อนรับ" in page.get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})


def test_wrong_password_is_refused_without_saying_which_part(client, demo):
    response = login(client, "admin", "not-the-password")
    assert response.status_code == 200
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    response = login(client, "nobody", "not-the-password")
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_logout_ends_the_session_server_side(app, client, login_as, demo):
    login_as("admin")
    cookie = client.get_cookie("info_session").value
    assert client.get("/admin/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 302
    # Replay the cookie captured before logout: it must no longer sign anyone in.
    replay = app.test_client()
    replay.set_cookie("info_session", cookie)
    assert replay.get("/admin/").status_code == 302


def test_logout_is_post_only(client, login_as, demo):
    login_as("admin")
    assert client.get("/logout").status_code == 405
    assert client.get("/admin/").status_code == 200


def test_disabled_user_is_signed_out_at_once(app, client, login_as, demo):
    login_as("prov-61")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "prov-61"))
        user.status = AccountStatus.DISABLED
        db.session.commit()
    assert client.get("/admin/").status_code == 302
    response = login(client, "prov-61")
    assert "ระงับการใช้งาน" in response.get_data(as_text=True)


def test_pending_user_cannot_sign_in(app, client, demo):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "dist-6101"))
        user.status = AccountStatus.PENDING
        db.session.commit()
    response = login(client, "dist-6101")
    assert response.status_code == 200 and "รอการอนุมัติ" in response.get_data(as_text=True)


def test_next_must_be_a_local_path(client, demo):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/admin/")


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_thai_by_default_and_english_selectable(client):
    assert "เข้าสู่ระบบ" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_unknown_page_is_a_thai_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "ไม่พบ" in response.get_data(as_text=True)


def test_dla_admin_can_browse_every_admin_list_of_its_role(app, client, login_as, demo):
    from flask import url_for

    from workflow import Role
    login_as("admin")
    admin = app.extensions["admin"][0]
    views = [v for v in admin._views if hasattr(v, "roles")]
    assert len(views) > 20
    for view in views:
        with app.test_request_context():
            url = url_for(f"{view.endpoint}.index_view")
        expected = 200 if Role.DLA_ADMIN in view.roles else 403
        assert client.get(url, follow_redirects=True).status_code == expected, url


def test_province_officer_is_forbidden_from_dla_views(client, login_as, demo):
    login_as("prov-61")
    # (Users are no longer among them: a province officer manages its province's accounts.)
    assert client.get("/admin/organization/").status_code == 403


def test_login_is_rate_limited(database_url):
    """The 11th sign-in attempt within a minute from one address is refused (429)."""
    from app import create_app
    app = create_app({"INFO_MODE": "test", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"  # the production default
    client = app.test_client()
    token = csrf_token(client)
    codes = [client.post("/login", data={"username": "nobody", "password": "wrong-password",
                                         "csrf_token": token}).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    assert client.get("/login").status_code == 200  # reading the page is not limited


def test_signed_in_pages_and_exports_are_not_stored_by_browsers_or_proxies(client, login_as, demo):
    login_as("prov-61")
    for url in ("/admin/", "/admin/submission/?flt0_0=2570",
                "/admin/submission/export/csv/?flt0_0=2570"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css"
                                        ).headers.get("Cache-Control", "")


def test_the_audit_log_request_id_is_infos_own(app, client, login_as, demo):
    from models import AuditLog, InfoAdministrator
    login_as("lao-6610103")
    token = csrf_token(client, "/admin/info_administrator/new/")
    response = client.post("/admin/info_administrator/new/", data={
        "csrf_token": token, "name": "นายสมชาย ใจดี", "position": "นักวิชาการคอมพิวเตอร์"},
        headers={"X-Request-Id": "forged-by-client"})
    assert response.status_code == 302
    with app.app_context():
        ids = set(db.session.scalars(select(AuditLog.request_id).where(
            AuditLog.table_name == InfoAdministrator.__tablename__)))
    assert ids and "forged-by-client" not in ids and all(len(i) == 16 for i in ids)


def test_the_sign_in_register_and_set_password_pages_are_not_stored(app, client, demo):
    """Issue 21 item 5: /password/<token> names the account; none of the three may be kept by
    a browser or a proxy — nor anything else outside the certified public pages and the API."""
    from sqlalchemy import select

    from app import PUBLIC_PAGES
    from models import User, db
    from models.services.accounts import issue_reset_link
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lao-6610103"))
        token = issue_reset_link(user, actor=None)
        db.session.commit()
    page = client.get(f"/password/{token}")
    assert page.status_code == 200 and "lao-6610103" in page.get_data(as_text=True)
    for url in (f"/password/{token}", "/password/not-a-token", "/register", "/login",
                "/register/organizations?q=หนอง", "/healthz", "/guides/", "/no-such-page"):
        response = client.get(url)
        assert response.headers.get("Cache-Control") == "no-store", (url, response.status_code)
    # Every other page without arguments that anybody may open: either a certified public page
    # a proxy may keep, the API's own rule, a static file, or no-store.
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint.endswith("static") \
                or rule.rule.startswith("/admin"):
            continue
        response = app.test_client().get(rule.rule)
        cache = response.headers.get("Cache-Control", "")
        if rule.endpoint in PUBLIC_PAGES and response.status_code == 200:
            assert cache == "public, max-age=300", rule.rule
        elif rule.rule.startswith("/api/"):
            assert cache.startswith("public, max-age=") or cache == "no-store", rule.rule
        elif response.status_code != 302:
            assert cache == "no-store", (rule.rule, response.status_code)


def test_a_405_names_the_methods_the_url_takes(client):
    """Issue 21 item 4 (schemathesis ST204): the API's JSON error and the HTML error page keep
    Werkzeug's Allow header."""
    for path in ("/api/v1/statistics", "/api/v1/organizations", "/api/v1/openapi.json"):
        response = client.open(path, method="TRACE")
        assert response.status_code == 405, path
        assert response.get_json()["error"] == "วิธีการเรียกไม่ถูกต้อง"
        assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}, path
        assert "POST" not in response.headers["Allow"]
    page = client.get("/logout")
    assert page.status_code == 405 and set(page.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert "วิธีการเรียกไม่ถูกต้อง" in page.get_data(as_text=True)
