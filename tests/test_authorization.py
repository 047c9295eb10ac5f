"""The authorization matrix (SPEC §6): every URL rule × method × role × object.

Every rule of `app.url_map` must be classified below, so a new endpoint fails the suite until
someone decides who may use it.  Then, for every role (anonymous, LAO clerk, district officer,
province officer, DLA admin, disabled user) and every object (own LAO, another LAO of the same
province, an LAO of another province, a missing id, a malformed id), no foreign row is shown,
changed, exported or certified, denied writes leave the database as it was, and nothing is 500.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask import url_for
from sqlalchemy import func, select

from models import (AccountLog, AccountRequest, AccountStatus, AuditLog, PasswordReset, CertificationEvent, InfoAdministrator, LaoWebsite,
                    Organization, Submission, TouristPlace, UnsavedForm, User, db)
from models.tables.sections import CHILDREN, SECTIONS, Section7Environment
from workflow import Action, Role

from .conftest import PASSWORD, csrf_token, login

ALL = frozenset(Role)
DLA = frozenset({Role.DLA_ADMIN})
REVIEWERS = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.DLA_ADMIN})
PROVINCE_LEVEL = frozenset({Role.PROVINCE_OFFICER, Role.DLA_ADMIN})

# --- the classification: who may open each back-office view ------------------------------
VIEW_ROLES = {
    "lao_years": frozenset({Role.LAO_EDITOR}),
    "submission": REVIEWERS,
    "dashboard": REVIEWERS,       # progress dashboards (issue 9): officers and the DLA
    "findings": REVIEWERS,        # ข้อสังเกตที่ต้องตรวจ (issue 24): each its own scope
    # นำเข้าข้อมูลจากไฟล์ (issue 11): a clerk for its LAO, a province for its LAOs, the DLA.
    "imports": frozenset({Role.LAO_EDITOR, Role.PROVINCE_OFFICER, Role.DLA_ADMIN}),
    "import_batch": ALL,          # the import runs of each scope (audit menu)
    "certification_event": ALL, "audit_log": ALL,   # each its own scope (issue 9 item 6)
    # Per-LAO records: the clerk keeps their own, officers read their scope's.
    "lao_website": ALL, "info_administrator": ALL, "tourist_place": ALL,
    "fiscal_year": DLA, "organization": DLA, "province": DLA, "district": DLA,
    "subdistrict": DLA,
    # Accounts (issue 9): a province officer manages its province's clerks and district
    # officers, their สมัครสมาชิก requests, and reads their account log.
    "user_account": PROVINCE_LEVEL, "account_request": PROVINCE_LEVEL,
    "account_log": PROVINCE_LEVEL,
    **{model.__tablename__: DLA for model in SECTIONS},
    # The section forms: the LAO clerk's own submission only (the workspace links to them).
    **{f"edit_s{model.SECTION_NO}": frozenset({Role.LAO_EDITOR}) for model in SECTIONS},
    **{child.__tablename__: DLA for pairs in CHILDREN.values() for _n, child in pairs},
}
# Endpoints every model view has (Flask-Admin) and the ones INFO adds, with how to call them.
MODEL_ENDPOINTS = {
    "index_view": "list", "details_view": "record", "edit_view": "record",
    "create_view": "create", "delete_view": "record", "action_view": "action",
    "export": "export", "ajax_lookup": "ajax", "ajax_update": "record",
    "workspace_view": "record", "transition_view": "record", "explain_view": "record", "reason_view": "action",
    "extend_view": "action", "report_view": "record", "report_xlsx_view": "record",
    "workbook_view": "list",
    "bulk_view": "bulk", "open_view": "create", "close_view": "action",
    "lagging_export": "export", "lagging_workbook": "export", "lagging_print": "list",
    "reset_view": "action", "decide_view": "action",
    "commit_view": "action", "template_view": "export", "export_csv_view": "export",
}
# Everything outside the back office.
OTHER_ENDPOINTS = {
    "static": "public", "admin.static": "public", "vendor.asset": "public", "public.index": "public",
    "public.about": "public", "public.healthz": "public", "public.set_language": "public",
    "guides.index": "public", "guides.guide": "public",   # the guides hold no data
    "public.organization": "public", "public.organization_year": "public", "public.compare": "public",
    "public.organization_year_data": "public", "public.stats": "public",
    "public.stats_workbook": "public",
    # Open data (issue 23): the feed, the catalogue, the dictionary, the national CSV.
    "opendata.changes_feed": "public", "opendata.data_dictionary": "public",
    "opendata.data_dictionary_json": "public", "opendata.national_csv": "public",
    "opendata.catalog_jsonld": "public", "opendata.catalog_ttl": "public",
    "auth.login": "public", "auth.logout": "signed_in", "admin.index": "signed_in",
    # The section form's keep-alive (issue 22): anybody may ask about their own session; it
    # answers {"signed_in": false} to a visitor and refreshes only a signed-in one.
    "sessions.keepalive": "public",
    # The open data API: certified data only, for everybody (views/api.py).
    "api.index": "public", "api.organizations": "public", "api.organization": "public",
    "api.organization_year": "public", "api.organization_year_values": "public",
    "api.statistics": "public", "api.statistics_year": "public",
    "api_docs.openapi_json": "public", "api_docs.browser": "public",
    # สมัครสมาชิก, its LAO search, and the one-time set-password link (views/accounts.py).
    "accounts.register": "public", "accounts.organization_search": "public",
    "accounts.set_password": "public",
    # The privacy notice (public) and the personal data held about the signed-in person.
    "accounts.privacy": "public", "accounts.my_data": "signed_in",
}

OWN_PROVINCE, OTHER_PROVINCE = "61", "18"
MALFORMED_IDS = ("abc", "1,2", "9" * 20, "-1", "", "1.5", "%00", "' OR 1=1 --")


@pytest.fixture()
def world(app, runner):
    """Uthai Thani (61) as the home province and Chai Nat (18) as another province."""
    from demo import seed_demo
    with app.app_context():
        seed_demo(scale="demo", years=2, password=PASSWORD, extra_provinces=(OTHER_PROVINCE,),
                  echo=lambda *_: None)
        subs = db.session.execute(
            select(Submission.id, Submission.organization_id, Submission.province_code,
                   Submission.district_code, Organization.dla_code, Organization.name_th)
            .join(Organization).where(Submission.fiscal_year == 2570)
            .order_by(Submission.id)).all()
        home = [s for s in subs if s.province_code == OWN_PROVINCE and s.district_code == "6101"]
        own, same_province = home[1], next(s for s in subs if s.province_code == OWN_PROVINCE
                                          and s.district_code != "6101")
        other_province = next(s for s in subs if s.province_code == OTHER_PROVINCE)
        # Per-LAO records, so those tables have own and foreign rows too (the demo's own
        # websites of these LAOs are replaced by known ones).
        ids = (own.organization_id, same_province.organization_id,
               other_province.organization_id)
        db.session.execute(LaoWebsite.__table__.delete().where(
            LaoWebsite.organization_id.in_(ids)))
        for org_id in ids:
            db.session.add(LaoWebsite(organization_id=org_id, url=f"https://lao{org_id}.go.th"))
            db.session.add(InfoAdministrator(organization_id=org_id, name=f"ผู้ดูแล {org_id}",
                                             position="นักวิชาการคอมพิวเตอร์"))
            db.session.add(TouristPlace(organization_id=org_id, name=f"น้ำตก {org_id}"))
        # A pending สมัครสมาชิก request in each province, named after its LAO.
        requests = {}
        for kind, row in (("own", own), ("other_province", other_province)):
            filed = AccountRequest(organization_id=row.organization_id, full_name=f"ผู้ขอ {row.name_th}",
                                   position="นักจัดการงานทั่วไป", phone="056 511 234",
                                   email=f"r{row.organization_id}@example.go.th",
                                   username=f"req-{row.dla_code}", district_code=row.district_code,
                                   province_code=row.province_code)
            db.session.add(filed)
            db.session.flush()
            requests[kind] = filed.id
        db.session.commit()
        foreign_user = db.session.scalar(select(User.id).where(
            User.username == f"lao-{other_province.dla_code}"))
        return dict(own=own, same_province=same_province, other_province=other_province,
                    lao_user=f"lao-{own.dla_code}", foreign_user=foreign_user,
                    foreign_request=requests["other_province"], own_request=requests["own"])


ROLE_USERS = {
    Role.DISTRICT_OFFICER: "dist-6101",
    Role.PROVINCE_OFFICER: f"prov-{OWN_PROVINCE}",
    Role.DLA_ADMIN: "admin",
}


def _client_for(app, world, who):
    """A test client signed in as `who` (a Role, 'anonymous' or 'disabled'), with a CSRF token
    in its session (`client.token`) so requests test access rules, not the missing token."""
    client = app.test_client()
    if who == "anonymous":
        client.token = csrf_token(client, "/login")
        return client
    username = world["lao_user"] if who in (Role.LAO_EDITOR, "disabled") else ROLE_USERS[who]
    assert login(client, username).status_code == 302
    client.token = csrf_token(client, "/admin/")
    if who == "disabled":
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            user.status = AccountStatus.DISABLED
            db.session.commit()
    return client


def fingerprint(app) -> dict:
    """Everything a denied request must leave unchanged."""
    with app.app_context():
        tables = [Submission, CertificationEvent, AuditLog, User, Organization, LaoWebsite,
                  InfoAdministrator, TouristPlace, AccountRequest, AccountLog, PasswordReset,
                  UnsavedForm, *SECTIONS]
        state = {t.__tablename__: db.session.scalar(select(func.count()).select_from(t))
                 for t in tables}
        state["statuses"] = tuple(db.session.execute(
            select(Submission.id, Submission.status, Submission.version)
            .order_by(Submission.id)).all())
        state["s7"] = tuple(db.session.execute(
            select(Section7Environment.submission_id, Section7Environment.version)
            .order_by(Section7Environment.submission_id)).all())
        state["users"] = tuple(db.session.execute(
            select(User.id, User.status, User.role, User.password_hash, User.session_token,
                   User.area_province_code).order_by(User.id)).all())
        state["requests"] = tuple(db.session.execute(
            select(AccountRequest.id, AccountRequest.status).order_by(AccountRequest.id)).all())
        return state


def _split(endpoint: str) -> tuple[str, str]:
    view, _, suffix = endpoint.rpartition(".")
    return view, suffix


# --- 1. classification ---------------------------------------------------------------------

def test_every_url_rule_is_classified(app):
    unclassified = []
    for rule in app.url_map.iter_rules():
        view, suffix = _split(rule.endpoint)
        if rule.endpoint in OTHER_ENDPOINTS:
            continue
        if view in VIEW_ROLES and suffix in MODEL_ENDPOINTS:
            continue
        unclassified.append(f"{rule.endpoint} {rule.rule}")
    assert unclassified == [], "classify these endpoints in tests/test_authorization.py"


def test_view_roles_match_the_table(app):
    admin = app.extensions["admin"][0]
    actual = {v.endpoint: v.roles for v in admin._views if hasattr(v, "roles")}
    assert actual == VIEW_ROLES


# --- 2. the sweep: every rule × method × role ------------------------------------------------

def _urls(app, rule, ident):
    """Concrete URLs for a rule: converters filled, `id` pointing at `ident`."""
    values = {}
    for arg in rule.arguments:
        values[arg] = {"export_type": "csv", "code": "th", "filename": "x.css"}.get(arg, "x")
    with app.test_request_context():
        base = url_for(rule.endpoint, **values)
    return f"{base}?id={ident}" if ident is not None else base


def _allowed(rule, who) -> bool | None:
    """True / False for back-office endpoints; None for the public and signed-in ones."""
    if rule.endpoint in OTHER_ENDPOINTS:
        return None
    view, _ = _split(rule.endpoint)
    return who in VIEW_ROLES[view]


WHO = ("anonymous", Role.LAO_EDITOR, Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER,
       Role.DLA_ADMIN, "disabled")


@pytest.mark.parametrize("who", WHO, ids=str)
def test_sweep_no_500_no_leak_no_write(app, world, who):
    """Every rule and method, with a foreign id: never a 500, never a foreign name, no write."""
    client = _client_for(app, world, who)
    token = client.token
    foreign = world["other_province"]
    # A dla_admin has no foreign rows; it gets a missing id instead.  Account views get a
    # foreign account or request (ids of other tables could be in the officer's province).
    missing = who == Role.DLA_ADMIN
    idents = {"user_account": world["foreign_user"], "account_request": world["foreign_request"]}
    before = fingerprint(app)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "admin.static", "auth.logout", "auth.login"):
            continue
        view = _split(rule.endpoint)[0]
        ident = 987654321 if missing else idents.get(view, foreign.id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _urls(app, rule, ident)
            if method == "GET":
                response = client.get(url)
            else:
                data = {"csrf_token": token, "id": str(ident), "rowid": [str(ident)],
                        "reason": "ทดสอบ", "confirmed": "0", "year": "2570",
                        "province": OTHER_PROVINCE, "list_form_pk": str(ident),
                        "action": "certify_province", "decision": "approve"}
                response = client.post(url, data=data)
            label = f"{who} {method} {url} -> {response.status_code}"
            assert response.status_code < 500, label
            allowed = _allowed(rule, who)
            if who in ("anonymous", "disabled") and allowed is not None:
                assert response.status_code == 302 and "/login" in response.location, label
            elif allowed is False:
                assert response.status_code == 403, label
            body = _text_of(response)
            if who != Role.DLA_ADMIN:
                assert not _contains_name(body, foreign.name_th), label
    for action in Action:  # every list action with a foreign row id
        ident = 987654321 if missing else foreign.id
        response = client.post(_urls(app, app.url_map._rules_by_endpoint["submission.action_view"][0], None),
                               data={"csrf_token": token, "action": action.value,
                                     "rowid": [str(ident)]})
        assert response.status_code < 500
    # A foreign account cannot be disabled through the list action either.
    response = client.post("/admin/user_account/action/", data={
        "csrf_token": token, "action": "disable",
        "rowid": [str(987654321 if missing else world["foreign_user"])]})
    assert response.status_code < 500
    assert fingerprint(app) == before, f"{who}: a denied request changed the database"


# --- 3. objects: own, same province, other province, missing, malformed --------------------

RECORD_VIEWS = {  # view endpoint → (record endpoints to GET, roles that see their own rows)
    "lao_years": ("workspace_view",),
    "submission": ("workspace_view",),
}


@pytest.mark.parametrize("who", [Role.LAO_EDITOR, Role.DISTRICT_OFFICER,
                                 Role.PROVINCE_OFFICER, Role.DLA_ADMIN], ids=str)
def test_record_pages_show_only_rows_in_scope(app, world, who):
    client = _client_for(app, world, who)
    view = "lao_years" if who is Role.LAO_EDITOR else "submission"
    expected = {  # object → visible?
        Role.LAO_EDITOR: dict(own=True, same_province=False, other_province=False),
        Role.DISTRICT_OFFICER: dict(own=True, same_province=False, other_province=False),
        Role.PROVINCE_OFFICER: dict(own=True, same_province=True, other_province=False),
        Role.DLA_ADMIN: dict(own=True, same_province=True, other_province=True),
    }[who]
    for kind, visible in expected.items():
        row = world[kind]
        with app.test_request_context():
            url = url_for(f"{view}.workspace_view", id=row.id)
        response = client.get(url)
        body = response.get_data(as_text=True)
        if visible:
            assert response.status_code == 200 and row.name_th in body, (who, kind)
        else:
            assert response.status_code == 404 and row.name_th not in body, (who, kind)
    for bad in (*MALFORMED_IDS, "987654321"):
        with app.test_request_context():
            url = url_for(f"{view}.workspace_view", id=bad)
        assert client.get(url).status_code in (400, 404), (who, bad)


@pytest.mark.parametrize("who", [Role.LAO_EDITOR, Role.DISTRICT_OFFICER,
                                 Role.PROVINCE_OFFICER, Role.DLA_ADMIN], ids=str)
def test_lists_counts_and_exports_are_scoped(app, world, who):
    client = _client_for(app, world, who)
    view = "lao_years" if who is Role.LAO_EDITOR else "submission"
    with app.app_context():
        scope = {Role.LAO_EDITOR: Submission.organization_id == world["own"].organization_id,
                 Role.DISTRICT_OFFICER: Submission.district_code == "6101",
                 Role.PROVINCE_OFFICER: Submission.province_code == OWN_PROVINCE,
                 Role.DLA_ADMIN: Submission.id.is_not(None)}[who]
        expected = db.session.scalar(select(func.count()).select_from(Submission).where(scope))
        # Thai LAO names repeat across districts; only names unique to foreign rows can leak.
        names_in = set(db.session.scalars(
            select(Organization.name_th).join(Submission).where(scope)))
        names_out = set(db.session.scalars(
            select(Organization.name_th).join(Submission).where(~scope))) - names_in
    body = client.get(f"/admin/{view}/?page=0").get_data(as_text=True)  # all years
    count = re.search(r"nav-link active\">[^<(]*\((\d+)\)", body)
    assert count and int(count.group(1)) == expected, (who, count and count.group(0), expected)
    if view == "submission":  # page through the list and the export
        pages = [client.get(f"/admin/submission/?page={p}").get_data(as_text=True)
                 for p in range(0, expected // 50 + 1)]
        export = client.get("/admin/submission/export/csv/")
        assert export.status_code == 200
        pages.append(export.get_data(as_text=True))
        assert export.get_data(as_text=True).count("\n") - 1 == expected
        for page in pages:
            leaked = [n for n in names_out if _contains_name(page, n)]
            assert not leaked, (who, leaked[:3])


def _text_of(response) -> str:
    """The text a user can read in a response: a workbook's sheets unzipped (its cells are
    compressed, so a leaked name would not show in the raw bytes)."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as book:
            return "\n".join(book.read(n).decode() for n in book.namelist()
                             if n.endswith(".xml"))
    return response.get_data(as_text=True)


def _contains_name(text: str, name: str) -> bool:
    """`name` as a whole Thai name (หนองไผ่ is not inside หนองไผ่แบน)."""
    return re.search(rf"(?<![\u0E00-\u0E7F]){re.escape(name)}(?![\u0E00-\u0E7F])", text) \
        is not None


def test_list_actions_never_touch_foreign_rows(app, world):
    """prov-61 selects a Chai Nat row and one of its own: only its own row changes."""
    client = _client_for(app, world, Role.PROVINCE_OFFICER)
    with app.app_context():
        own_certified = db.session.scalar(select(Submission.id).where(
            Submission.province_code == OWN_PROVINCE, Submission.fiscal_year == 2570,
            Submission.status == "lao_certified"))
        foreign_certified = db.session.scalar(select(Submission.id).where(
            Submission.province_code == OTHER_PROVINCE, Submission.fiscal_year == 2570,
            Submission.status == "lao_certified"))
        events_before = db.session.scalar(select(func.count()).select_from(CertificationEvent))
    response = client.post("/admin/submission/action/", data={
        "csrf_token": csrf_token(client, "/admin/submission/"), "action": "certify_province",
        "rowid": [str(foreign_certified), str(own_certified), "abc", "9" * 20]})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Submission, own_certified).status.value == "province_certified"
        assert db.session.get(Submission, foreign_certified).status.value == "lao_certified"
        assert db.session.scalar(select(func.count()).select_from(CertificationEvent)) \
            == events_before + 1


def test_bulk_certification_stays_in_the_officers_province(app, world):
    """A province officer who posts another province's code still certifies only their own."""
    client = _client_for(app, world, Role.PROVINCE_OFFICER)
    with app.app_context():
        def waiting(province):
            return set(db.session.scalars(select(Submission.id).where(
                Submission.province_code == province, Submission.fiscal_year == 2570,
                Submission.status == "lao_certified")))
        own, foreign = waiting(OWN_PROVINCE), waiting(OTHER_PROVINCE)
        assert own and foreign
    preview = client.get(f"/admin/submission/bulk/?year=2570&province={OTHER_PROVINCE}")
    assert preview.status_code == 200
    assert f"{len(own):,}" in preview.get_data(as_text=True)
    # Post the confirmation as the browser would, the previewed rows included.
    rowids = re.findall(r'name="rowid" value="(\d+)"', preview.get_data(as_text=True))
    response = client.post("/admin/submission/bulk/", data={
        "csrf_token": client.token, "year": "2570", "province": OTHER_PROVINCE,
        "confirmed": "1", "rowid": rowids})
    assert response.status_code == 200
    with app.app_context():
        assert waiting(OWN_PROVINCE) == set() and waiting(OTHER_PROVINCE) == foreign
        certified = db.session.scalar(select(func.count()).select_from(CertificationEvent).where(
            CertificationEvent.submission_id.in_(own),
            CertificationEvent.action == Action.CERTIFY_PROVINCE))
        assert certified >= len(own)


def test_district_officer_cannot_run_actions(app, world):
    client = _client_for(app, world, Role.DISTRICT_OFFICER)
    before = fingerprint(app)
    with app.app_context():
        target = db.session.scalar(select(Submission.id).where(
            Submission.district_code == "6101", Submission.status == "lao_certified"))
    token = csrf_token(client, "/admin/submission/")
    for action in Action:
        client.post("/admin/submission/action/", data={
            "csrf_token": token, "action": action.value, "rowid": [str(target)]})
        client.post("/admin/submission/transition/", data={
            "csrf_token": token, "action": action.value, "id": str(target), "reason": "x"})
    assert client.get("/admin/submission/bulk/").status_code == 403
    assert fingerprint(app) == before


# --- 4. CSRF on every POST -------------------------------------------------------------------

def test_every_post_without_csrf_token_is_refused(app, world):
    client = _client_for(app, world, Role.DLA_ADMIN)
    before = fingerprint(app)
    own = world["own"].id
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = _urls(app, rule, own)
        response = client.post(url, data={"id": str(own), "rowid": [str(own)],
                                          "action": "certify_province", "confirmed": "1",
                                          "year": "2570", "province": OWN_PROVINCE,
                                          "reason": "x"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
    assert fingerprint(app) == before


def test_home_page_counts_only_the_users_scope(app, world):
    """The dashboard's totals are aggregates of the user's own scope, not of the country."""
    with app.app_context():
        def count(*where):
            return db.session.scalar(select(func.count()).select_from(Submission).where(
                Submission.fiscal_year == 2570, *where))
        expected = {Role.LAO_EDITOR: count(Submission.organization_id
                                           == world["own"].organization_id),
                    Role.PROVINCE_OFFICER: count(Submission.province_code == OWN_PROVINCE),
                    Role.DLA_ADMIN: count()}
    for who, total in expected.items():
        body = _client_for(app, world, who).get("/admin/").get_data(as_text=True)
        shown = sum(int(n.replace(",", "")) for n in re.findall(r'display-4">([\d,]+)<', body))
        assert shown == total, (who, shown, total)
