"""Accounts (issue 9 item 4, issue 13 item 4): who manages whom, สมัครสมาชิก requests, disabling,
one-time set-password links, the password policy, the account audit trail, argon2 parameters."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, func, select, update

from models import (AccountAction, AccountLog, AccountRequest, AccountStatus, Organization,
                    PasswordReset, RequestStatus, User, db, utcnow)
from models.rules.passwords import common_passwords, password_problem
from workflow import Role

from .conftest import PASSWORD, csrf_token, login, signed_in

NEW_PASSWORD = "ช้างเผือกสามเชือก2570"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _org(app, province: str = "61") -> tuple[str, str]:
    with app.app_context():
        row = db.session.execute(select(Organization.dla_code, Organization.name_th).where(
            Organization.province_code == province).order_by(Organization.dla_code)).first()
        return row.dla_code, row.name_th


# --- 7. argon2id parameters ------------------------------------------------------------------

def test_new_hashes_use_owasp_minimum_argon2id(app_ctx):
    user = User(username="x", role=Role.DLA_ADMIN)
    user.set_password(NEW_PASSWORD)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(NEW_PASSWORD) and not user.check_password("wrong-password")


def test_an_old_parameter_hash_is_upgraded_at_the_next_good_login(app, two_provinces):
    old = PasswordHasher()  # argon2-cffi's defaults: INFO's parameters before issue 13
    with app.app_context():
        user = _user("admin")
        user.password_hash = old.hash(PASSWORD)
        db.session.commit()
        token = user.session_token
    client = app.test_client()
    assert login(client, "admin", "wrong-password-x").status_code == 200
    with app.app_context():
        assert _user("admin").password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert login(client, "admin").status_code == 302
    with app.app_context():
        user = _user("admin")
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert user.check_password(PASSWORD)
        # A re-hash is no account change: no password row in the log.
        assert db.session.scalar(select(func.count()).select_from(AccountLog).where(
            AccountLog.user_id == user.id, AccountLog.action == AccountAction.PASSWORD)) == 0


# --- 5. password policy ----------------------------------------------------------------------

@pytest.mark.parametrize("password", ["short1", "12345678", "PASSWORD1", "QwErTyUiOp",
                                      "ๅ/-ภถุึค", "iloveyou", "sawasdee", "x" * 129])
def test_weak_passwords_are_refused_in_thai(app_ctx, password):
    problem = password_problem(password)
    assert problem is not None and re.search(r"[\u0E00-\u0E7F]", problem), password


@pytest.mark.parametrize("password", [NEW_PASSWORD, "correct horse battery", "abcdefgh1x"])
def test_long_uncommon_passwords_pass_without_composition_rules(app_ctx, password):
    assert password_problem(password) is None


def test_the_shipped_list_has_thousands_of_entries(app_ctx):
    words = common_passwords()
    assert len(words) > 3000 and "12345678" in words and "password" in words
    assert all(w == w.lower() for w in words)


def test_password_equal_to_username_is_refused(app_ctx):
    assert password_problem("somchai.uthai", username="Somchai.Uthai") is not None


def test_cli_create_user_applies_the_policy(app, runner):
    result = runner.invoke(args=["create-user", "--username", "dla2", "--role", "dla_admin",
                                 "--password", "12345678"])
    assert result.exit_code != 0 and "ทั่วไป" in result.output
    with app.app_context():
        assert _user("dla2") is None
    result = runner.invoke(args=["create-user", "--username", "dla2", "--role", "dla_admin",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _user("dla2").check_password(NEW_PASSWORD)


# --- 1. who manages whom ---------------------------------------------------------------------

def _create_user(client, **fields):
    data = {"csrf_token": client.token, "username": "", "full_name": "ทดสอบ", "position": "",
            "email": "", "phone": "", "role": "lao_editor", "organization": "", "district": "",
            "province": "", "status": "active", "new_password": NEW_PASSWORD, **fields}
    return client.post("/admin/user_account/new/", data=data, follow_redirects=True)


def test_province_officer_lists_only_its_clerks_and_district_officers(app, two_provinces):
    client = signed_in(app, "prov-61")
    body = client.get("/admin/user_account/?page_size=500").get_data(as_text=True)
    with app.app_context():
        mine = set(db.session.scalars(select(User.username).where(
            User.area_province_code == "61", User.role.in_(
                [Role.LAO_EDITOR, Role.DISTRICT_OFFICER]))))
        others = set(db.session.scalars(select(User.username).where(
            (User.area_province_code != "61") | User.area_province_code.is_(None)
            | User.role.in_([Role.PROVINCE_OFFICER, Role.DLA_ADMIN]))))
        count = len(mine)
        foreign = _user("prov-18").id, db.session.scalar(select(User.id).where(
            User.username.like("lao-18%")))
    assert re.search(rf"\({count}\)", body), "the list counts the province's accounts"
    assert "prov-61" in others and "admin" in others and "dist-6101" in mine
    pages = "".join(client.get(f"/admin/user_account/?page={p}").get_data(as_text=True)
                    for p in range(count // 50 + 1))
    shown = set(re.findall(r'class="col-username">\s*([^<\s]+)\s*<', pages))
    assert shown == mine
    for user_id in foreign:  # record pages of other provinces' accounts: not found
        assert client.get(f"/admin/user_account/edit/?id={user_id}").status_code == 404


def test_province_officer_cannot_grant_its_level_or_another_province(app, two_provinces):
    client = signed_in(app, "prov-61")
    own_code, _own = _org(app, "61")
    with app.app_context():
        own_org = db.session.scalar(select(Organization.id).where(Organization.dla_code == own_code))
        foreign_org = db.session.scalar(select(Organization.id).where(
            Organization.province_code == "18"))
        users_before = db.session.scalar(select(func.count()).select_from(User))
    html = client.get("/admin/user_account/new/").get_data(as_text=True)
    assert 'value="lao_editor"' in html and 'value="district_officer"' in html
    assert 'value="province_officer"' not in html and 'value="dla_admin"' not in html
    for fields in ({"username": "p2", "role": "province_officer", "province": "61"},
                   {"username": "d2", "role": "dla_admin"},
                   {"username": "l2", "role": "lao_editor", "organization": str(foreign_org)},
                   {"username": "d3", "role": "district_officer", "district": "1801"}):
        response = _create_user(client, **fields)
        assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    response = _create_user(client, username="lao-new", organization=str(own_org))
    assert "บันทึก" in response.get_data(as_text=True)
    with app.app_context():
        made = _user("lao-new")
        assert made.role is Role.LAO_EDITOR and made.area_province_code == "61"
        assert made.organization_id == own_org and made.check_password(NEW_PASSWORD)


def test_user_form_refuses_a_common_password(app, two_provinces):
    client = signed_in(app, "admin")
    own_code, _ = _org(app)
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).where(Organization.dla_code == own_code))
    body = _create_user(client, username="weak", organization=str(org_id),
                        new_password="Password1").get_data(as_text=True)
    assert "รหัสผ่านที่ใช้กันทั่วไป" in body
    with app.app_context():
        assert _user("weak") is None


# --- 3. disabling ends sessions --------------------------------------------------------------

def test_a_disabled_users_open_session_is_refused_on_its_next_request(app, two_provinces):
    code, _name = _org(app)
    clerk = signed_in(app, f"lao-{code}")
    assert clerk.get("/admin/").status_code == 200
    with app.app_context():
        user = _user(f"lao-{code}")
        user_id, token = user.id, user.session_token
    officer = signed_in(app, "prov-61")
    officer.post("/admin/user_account/action/", data={
        "csrf_token": officer.token, "action": "disable", "rowid": [str(user_id)]})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.status is AccountStatus.DISABLED and user.session_token != token
        logged = db.session.scalars(select(AccountLog.field).where(
            AccountLog.user_id == user_id, AccountLog.action == AccountAction.UPDATE)).all()
        assert logged == ["status"]
    response = clerk.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location


# --- 4. set-password links -------------------------------------------------------------------

def _issue_link(app, manager: str, username: str) -> str:
    client = signed_in(app, manager)
    with app.app_context():
        user_id = _user(username).id
    body = client.post("/admin/user_account/reset/", data={
        "csrf_token": client.token, "id": str(user_id)}).get_data(as_text=True)
    match = re.search(r'id="reset-link" readonly value="http://[^/]+(/password/[^"]+)"', body)
    assert match, body[:2000]
    return match.group(1)


def test_a_reset_link_works_once(app, two_provinces):
    code, _ = _org(app)
    username = f"lao-{code}"
    link = _issue_link(app, "prov-61", username)
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordReset).where(
            PasswordReset.token_hash == token)) == 0, "only the token's hash is stored"
    person = app.test_client()
    page = person.get(link)
    assert page.status_code == 200 and username in page.get_data(as_text=True)
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    weak = person.post(link, data={"csrf_token": form_token, "password": "12345678",
                                   "confirm_password": "12345678"})
    assert "ใช้กันทั่วไป" in weak.get_data(as_text=True)
    done = person.post(link, data={"csrf_token": form_token, "password": NEW_PASSWORD,
                                   "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and "/login" in done.location
    assert login(app.test_client(), username, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), username, PASSWORD).status_code == 200
    again = person.get(link)
    assert again.status_code == 404 and "ใช้ไปแล้วหรือหมดอายุแล้ว" in again.get_data(as_text=True)
    second = person.post(link, data={"csrf_token": form_token, "password": "อีกรหัสหนึ่ง2570",
                                     "confirm_password": "อีกรหัสหนึ่ง2570"})
    assert second.status_code == 404
    with app.app_context():
        assert _user(username).check_password(NEW_PASSWORD)
        log = db.session.execute(select(AccountLog.action, AccountLog.field, AccountLog.old_value,
                                        AccountLog.new_value)).all()
        text = repr(log)
        assert token not in text and NEW_PASSWORD not in text and "$argon2" not in text
        assert (AccountAction.RESET_LINK, "expires_in_hours", None, "24") in log
        assert (AccountAction.PASSWORD, "password", None, None) in log


def test_a_reset_link_expires(app, two_provinces):
    code, _ = _org(app)
    link = _issue_link(app, "admin", f"lao-{code}")
    with app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 404 and "หมดอายุ" in response.get_data(as_text=True)


def test_a_new_link_replaces_the_unused_one(app, two_provinces):
    code, _ = _org(app)
    first = _issue_link(app, "admin", f"lao-{code}")
    second = _issue_link(app, "admin", f"lao-{code}")
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_province_officer_cannot_issue_links_outside_its_province(app, two_provinces):
    client = signed_in(app, "prov-61")
    with app.app_context():
        targets = [_user("prov-18").id, _user("admin").id, db.session.scalar(
            select(User.id).where(User.username.like("lao-18%")))]
    for user_id in targets:
        response = client.post("/admin/user_account/reset/", data={
            "csrf_token": client.token, "id": str(user_id)})
        assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0


def _edit_user(client, user_id: int, **changes) -> None:
    """Save the user form as a manager does: the page's own fields, with `changes`."""
    from .formdata import form_fields
    page = client.get(f"/admin/user_account/edit/?id={user_id}")
    assert page.status_code == 200
    data = {**form_fields(page.get_data(as_text=True)), **changes}
    saved = client.post(f"/admin/user_account/edit/?id={user_id}", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]


def _make_dla_admin(app, user_id):
    _edit_user(signed_in(app, "admin"), user_id, role="dla_admin", organization="")


def _move_to_another_province(app, user_id):
    with app.app_context():
        foreign = db.session.scalar(select(Organization.id).where(
            Organization.province_code == "18").order_by(Organization.id))
    _edit_user(signed_in(app, "admin"), user_id, organization=str(foreign))


def _disable_then_enable(app, user_id):
    admin = signed_in(app, "admin")
    admin.post("/admin/user_account/action/", data={
        "csrf_token": admin.token, "action": "disable", "rowid": [str(user_id)]})
    with app.app_context():
        assert db.session.get(User, user_id).status is AccountStatus.DISABLED
    _edit_user(admin, user_id, status="active")


def _new_password_from_the_form(app, user_id):
    _edit_user(signed_in(app, "admin"), user_id, new_password=NEW_PASSWORD)


def _the_clerk_signs_in(app, user_id):
    with app.app_context():
        username = db.session.get(User, user_id).username
    assert login(app.test_client(), username).status_code == 302


@pytest.mark.parametrize("change", [_make_dla_admin, _move_to_another_province,
                                    _disable_then_enable, _new_password_from_the_form,
                                    _the_clerk_signs_in])
def test_a_link_issued_before_an_account_change_no_longer_sets_a_password(app, two_provinces,
                                                                          change):
    """Issue 21 item 3: a province officer keeps an unused link to one of its clerks; whatever
    then happens to the account (the DLA makes it a dla_admin, moves it, disables and re-enables
    it, sets its password, or the clerk signs in), the link is dead."""
    code, _ = _org(app)
    username = f"lao-{code}"
    clerk = signed_in(app, username)
    link = _issue_link(app, "prov-61", username)
    with app.app_context():
        user = _user(username)
        user_id, hash_before, token_before = user.id, user.password_hash, user.session_token
    change(app, user_id)
    attacker = app.test_client()
    page = attacker.get(link)
    assert page.status_code == 404 and "ใช้ไปแล้วหรือหมดอายุแล้ว" in page.get_data(as_text=True)
    form_token = csrf_token(attacker, "/login")
    taken = attacker.post(link, data={"csrf_token": form_token, "password": "ยึดบัญชีนี้2570",
                                      "confirm_password": "ยึดบัญชีนี้2570"})
    assert taken.status_code == 404
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not user.check_password("ยึดบัญชีนี้2570")
        assert db.session.scalar(select(func.count()).select_from(PasswordReset).where(
            PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))) == 0
        if change is not _the_clerk_signs_in:
            # Role, place, status and password end the account's sessions too.
            assert user.session_token != token_before
            if change is not _new_password_from_the_form:
                assert user.password_hash == hash_before
    if change is not _the_clerk_signs_in:
        refused = clerk.get("/admin/")
        assert refused.status_code == 302 and "/login" in refused.location


def test_a_link_survives_what_does_not_change_the_account(app, two_provinces):
    """An unchanged save of the account, or a new phone number, leaves the link working (and
    the clerk signed in)."""
    code, _ = _org(app)
    username = f"lao-{code}"
    link = _issue_link(app, "prov-61", username)
    with app.app_context():
        user_id = _user(username).id
    officer = signed_in(app, "prov-61")
    _edit_user(officer, user_id)
    _edit_user(officer, user_id, phone="081 234 5678")
    assert app.test_client().get(link).status_code == 200


# --- 2. สมัครสมาชิก ---------------------------------------------------------------------------

def _register(client, code: str, **fields):
    token = csrf_token(client, "/register")
    data = {"csrf_token": token, "full_name": "นางสาวสมใจ ใจดี", "position": "นักวิชาการคอมพิวเตอร์",
            "phone": "056 511 234", "email": "somjai@example.go.th", "username": "somjai",
            "dla_code": code, "privacy": "y", **fields}
    return client.post("/register", data=data)


@contextmanager
def count_statements():
    statements = []

    def count(_conn, _cursor, statement, *_args, **_kw):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_organization_search_returns_at_most_20_matches_in_one_statement(app, two_provinces):
    code, name = _org(app)
    client = app.test_client()
    with app.app_context():
        with count_statements() as statements:
            found = client.get("/register/organizations?q=" + name[-4:]).get_json()["results"]
        assert len(statements) == 1
    assert 0 < len(found) <= 20 and all(name[-4:] in r["name"] for r in found)
    by_code = client.get(f"/register/organizations?q={code}").get_json()["results"]
    assert [r["dla_code"] for r in by_code] == [code]
    assert len(client.get("/register/organizations?q=61").get_json()["results"]) == 20
    assert client.get("/register/organizations?q=x").get_json() == {"results": []}
    assert client.get("/register/organizations?q=%25%25").get_json()["results"] == []


def test_thai_digits_in_the_phone_and_the_lao_code_are_read_as_the_number_fields_read_them(
        app, two_provinces):
    """Issue 22 item 5: สมัครสมาชิก refused ๐๘๑-… that every number field accepts."""
    code, _name = _org(app)
    thai_code = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    response = _register(app.test_client(), thai_code, phone="๐๘๑-๒๓๔-๕๖๗๘")
    assert "ส่งคำขอสมัครสมาชิกแล้ว" in response.get_data(as_text=True)
    with app.app_context():
        filed = db.session.scalar(select(AccountRequest))
        assert (filed.phone, filed.organization.dla_code) == ("081-234-5678", code)


def test_a_request_is_filed_then_approved_by_its_province(app, two_provinces):
    code, name = _org(app)
    public = app.test_client()
    response = _register(public, code)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "ส่งคำขอสมัครสมาชิกแล้ว" in body and name in body
    with app.app_context():
        filed = db.session.scalar(select(AccountRequest))
        assert filed.status is RequestStatus.PENDING and filed.province_code == "61"
        assert _user("somjai") is None
        request_id = filed.id
    # Duplicates: the same username, and an existing one, get a Thai refusal and no row.
    again = _register(public, code).get_data(as_text=True)
    assert "รอการพิจารณาอยู่แล้ว" in again
    taken = _register(public, code, username="admin", email="x@example.go.th").get_data(as_text=True)
    assert "มีผู้ใช้แล้ว" in taken
    assert "ไม่พบ อปท." in _register(public, "9999999", username="other").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountRequest)) == 1
    # Another province's officer neither sees nor decides it.
    stranger = signed_in(app, "prov-18")
    assert "somjai" not in stranger.get("/admin/account_request/").get_data(as_text=True)
    assert stranger.get(f"/admin/account_request/details/?id={request_id}").status_code == 404
    assert stranger.post("/admin/account_request/decide/", data={
        "csrf_token": stranger.token, "id": str(request_id),
        "decision": "approve"}).status_code == 404
    officer = signed_in(app, "prov-61")
    details = officer.get(f"/admin/account_request/details/?id={request_id}")
    assert details.status_code == 200 and "อนุมัติ" in details.get_data(as_text=True)
    approved = officer.post("/admin/account_request/decide/", data={
        "csrf_token": officer.token, "id": str(request_id), "decision": "approve"})
    link = re.search(r'id="reset-link" readonly value="http://[^/]+(/password/[^"]+)"',
                     approved.get_data(as_text=True)).group(1)
    with app.app_context():
        user = _user("somjai")
        assert user.role is Role.LAO_EDITOR and user.status is AccountStatus.ACTIVE
        assert user.organization.dla_code == code and user.email == "somjai@example.go.th"
        filed = db.session.get(AccountRequest, request_id)
        assert filed.status is RequestStatus.APPROVED and filed.user_id == user.id
        actions = set(db.session.scalars(select(AccountLog.action).where(
            AccountLog.account_request_id == request_id)))
        assert actions == {AccountAction.REQUEST, AccountAction.APPROVE}
    # A second decision is refused.
    officer.post("/admin/account_request/decide/", data={
        "csrf_token": officer.token, "id": str(request_id), "decision": "reject", "reason": "x"})
    with app.app_context():
        assert db.session.get(AccountRequest, request_id).status is RequestStatus.APPROVED
    # The clerk sets a password through the link and signs in to its LAO.
    page = public.get(link).get_data(as_text=True)
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    public.post(link, data={"csrf_token": form_token, "password": NEW_PASSWORD,
                            "confirm_password": NEW_PASSWORD})
    clerk = app.test_client()
    assert login(clerk, "somjai", NEW_PASSWORD).status_code == 302
    assert name in clerk.get("/admin/").get_data(as_text=True)


def test_rejecting_needs_a_reason(app, two_provinces):
    code, _ = _org(app)
    _register(app.test_client(), code)
    officer = signed_in(app, "prov-61")
    with app.app_context():
        request_id = db.session.scalar(select(AccountRequest.id))
    officer.post("/admin/account_request/decide/", data={
        "csrf_token": officer.token, "id": str(request_id), "decision": "reject", "reason": " "})
    with app.app_context():
        assert db.session.get(AccountRequest, request_id).status is RequestStatus.PENDING
    officer.post("/admin/account_request/decide/", data={
        "csrf_token": officer.token, "id": str(request_id), "decision": "reject",
        "reason": "ไม่ใช่เจ้าหน้าที่ของ อปท. นี้"})
    with app.app_context():
        filed = db.session.get(AccountRequest, request_id)
        assert filed.status is RequestStatus.REJECTED and filed.reason == "ไม่ใช่เจ้าหน้าที่ของ อปท. นี้"
        assert _user("somjai") is None


def test_the_register_form_is_rate_limited(app, two_provinces):
    code, _ = _org(app)
    app.config["REGISTER_RATE_LIMIT"] = "2 per minute"
    try:
        client = app.test_client()
        codes = [_register(client, code, username=f"user{i}", email=f"u{i}@example.go.th").status_code
                 for i in range(3)]
    finally:
        app.config["REGISTER_RATE_LIMIT"] = "100000 per minute"
    assert codes == [200, 200, 429]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountRequest)) == 2


# --- 6. the account log ----------------------------------------------------------------------

def test_account_changes_are_logged_and_scoped(app, two_provinces):
    code, _ = _org(app)
    admin = signed_in(app, "admin")
    with app.app_context():
        user_id = _user(f"lao-{code}").id
    html = admin.get(f"/admin/user_account/edit/?id={user_id}").get_data(as_text=True)
    data = {"csrf_token": admin.token, "username": f"lao-{code}", "full_name": "ชื่อใหม่",
            "position": "", "email": "", "phone": "0 5651 1234", "role": "lao_editor",
            "organization": re.search(r'name="organization"[^>]*value="(\d+)"', html).group(1),
            "district": "", "province": "", "status": "active", "new_password": ""}
    admin.post(f"/admin/user_account/edit/?id={user_id}", data=data)
    with app.app_context():
        rows = db.session.execute(select(AccountLog.field, AccountLog.old_value,
                                         AccountLog.new_value, AccountLog.actor_id,
                                         AccountLog.province_code)
                                  .where(AccountLog.user_id == user_id)).all()
        admin_id = _user("admin").id
    assert {r.field for r in rows} == {"full_name", "phone"}
    assert all(r.actor_id == admin_id and r.province_code == "61" for r in rows)
    assert any(r.new_value == "ชื่อใหม่" for r in rows)
    assert "ชื่อใหม่" in signed_in(app, "prov-61").get("/admin/account_log/").get_data(as_text=True)
    assert "ชื่อใหม่" not in signed_in(app, "prov-18").get("/admin/account_log/").get_data(as_text=True)


# --- statements per page do not grow with the rows shown ---------------------------------------

def _statements(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _file_requests(app, n: int) -> None:
    from models.services.accounts import file_request
    with app.app_context():
        orgs = db.session.scalars(select(Organization).where(
            Organization.province_code == "61").order_by(Organization.id)).all()
        have = db.session.scalar(select(func.count()).select_from(AccountRequest))
        for i in range(have, have + n):
            file_request(organization=orgs[i % len(orgs)], full_name=f"ผู้ขอ {i}",
                         position="นักจัดการงานทั่วไป", phone="056 511 234",
                         email=f"r{i}@example.go.th", username=f"request{i}")
        db.session.commit()


def test_account_pages_send_the_same_statements_for_1_or_50_rows(app, two_provinces):
    officer = signed_in(app, "prov-61")
    users_few = _statements(app, officer, "/admin/user_account/?search=dist-")
    users_many = _statements(app, officer, "/admin/user_account/")
    _file_requests(app, 1)
    requests_few = _statements(app, officer, "/admin/account_request/")
    log_few = _statements(app, officer, "/admin/account_log/")
    _file_requests(app, 60)
    requests_many = _statements(app, officer, "/admin/account_request/")
    log_many = _statements(app, officer, "/admin/account_log/")
    print(f"QUERY-COUNT users {users_few}/{users_many} requests {requests_few}/{requests_many} "
          f"log {log_few}/{log_many}")
    assert users_few == users_many <= 8
    assert requests_few == requests_many <= 8
    assert log_few == log_many <= 8


def test_the_home_page_counts_the_requests_waiting_in_the_officers_province(app, two_provinces):
    _file_requests(app, 3)
    body = signed_in(app, "prov-61").get("/admin/").get_data(as_text=True)
    assert "คำขอสมัครสมาชิกรอการพิจารณา 3 รายการ" in body
    listed = signed_in(app, "prov-61").get("/admin/account_request/?flt0_0=pending")
    assert listed.status_code == 200 and "รายการ (3)" in listed.get_data(as_text=True)
    assert "คำขอสมัครสมาชิกรอการพิจารณา" not in signed_in(app, "prov-18").get(
        "/admin/").get_data(as_text=True)
    code, _ = _org(app)
    assert "คำขอสมัครสมาชิกรอการพิจารณา" not in signed_in(app, f"lao-{code}").get(
        "/admin/").get_data(as_text=True)


def test_every_save_rechecks_role_and_province_whatever_the_form_let_through(app, two_provinces):
    """The form offers only grantable roles and scoped LAOs; the save checks again, so a
    crafted form (or a future form change) cannot grant more."""
    from types import SimpleNamespace

    from flask_login import login_user
    from wtforms.validators import ValidationError
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "user_account")
    form = SimpleNamespace(new_password=SimpleNamespace(data=NEW_PASSWORD))
    with app.test_request_context("/admin/user_account/new/", method="POST"):
        login_user(_user("prov-61"))
        foreign = db.session.scalar(select(Organization).where(Organization.province_code == "18"))
        own = db.session.scalar(select(Organization).where(Organization.province_code == "61"))
        for model, message in (
                (User(username="p", role=Role.PROVINCE_OFFICER, province_code="61"), "ไม่มีสิทธิ์"),
                (User(username="d", role=Role.DLA_ADMIN), "ไม่มีสิทธิ์"),
                (User(username="l", role=Role.LAO_EDITOR, organization=foreign), "จังหวัดของท่าน")):
            with pytest.raises(ValidationError, match=message):
                view.on_model_change(form, model, True)
            db.session.expunge_all()
        ok = User(username="ok", role=Role.LAO_EDITOR, organization=own)
        view.on_model_change(form, ok, True)
        assert ok.check_password(NEW_PASSWORD)
        db.session.rollback()
