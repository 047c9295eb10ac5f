"""One home for each rule: the screens follow workflow.py's tables, the scope comes from
models.rules.scoping.placement(), labels from the labelled enums, the section count from
SECTION_COUNT.  Each test here fails when a view or template says a rule a second time."""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import Enum as SAEnum
from sqlalchemy import func, select

import workflow
from models import AuditLog, CertificationEvent, FiscalYear, Submission, User, db
from models.services.certification import extend_deadline, stamp_values, transition
from models.catalogue.reading import be_date
from models.rules.scoping import placement
from views.base import ScopedModelView
from workflow import (PERMISSIONS, SECTION_COUNT, TRANSITIONS, Action, LabeledEnum, Permission,
                      Role, Stamp, Status, Transition, TransitionNotAllowed, may)

from .conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
REASON = "ตัวเลขประชากรไม่ตรงกับทะเบียนราษฎร"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _pick(status: Status, province: str = "61") -> Submission:
    return db.session.scalars(select(Submission).where(
        Submission.fiscal_year == 2570, Submission.status == status,
        Submission.province_code == province).order_by(Submission.id)).first()


def _actions_menu(html: str) -> tuple[list[str], dict[str, str]]:
    names = re.findall(r"modelActions\.execute\('([a-z_]+)'\)", html)
    data = re.search(r'id="actions-confirmation-data"[^>]*>(.*?)</div>', html, re.S)
    return names, (json.loads(data.group(1)) if data else {})


# --- the transition table drives the list actions, the status tab and the stamps ----------------

def test_list_actions_are_the_officers_transitions_of_the_table(app, client, demo):
    assert login(client, "prov-61").status_code == 302
    html = client.get("/admin/submission/?flt0_0=2570").get_data(as_text=True)
    names, confirmations = _actions_menu(html)
    officer = [t for t in TRANSITIONS.values() if Role.PROVINCE_OFFICER in t.roles]
    assert names == [t.name for t in officer] + ["extend_deadline"]
    for rule in officer:
        assert rule.label_th in html
        # A reason is asked on its own page; the others confirm in the browser.
        assert (rule.name in confirmations) is (not rule.needs_reason)


def test_district_officer_has_no_action_in_the_menu(app, client, demo):
    assert login(client, "dist-6101").status_code == 302
    names, _ = _actions_menu(client.get("/admin/submission/?flt0_0=2570").get_data(as_text=True))
    assert names == []


def test_a_transition_added_to_the_table_appears_in_the_list_without_touching_a_view(
        app, monkeypatch, demo):
    class Extra(LabeledEnum):
        ARCHIVE = ("archive_lao", "จัดเก็บข้อมูลเข้าคลัง", "Archive")

    extra = Transition(Extra.ARCHIVE, frozenset({Status.PROVINCE_CERTIFIED}), Status.DRAFT,
                       frozenset({Role.PROVINCE_OFFICER}), needs_reason=True)
    monkeypatch.setitem(TRANSITIONS, Extra.ARCHIVE, extra)
    from app import create_app
    other = create_app({"INFO_MODE": "test", "TESTING": True,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "LOGIN_RATE_LIMIT": "100000 per minute"})
    client = other.test_client()
    assert login(client, "prov-61").status_code == 302
    html = client.get("/admin/submission/?flt0_0=2570").get_data(as_text=True)
    names, confirmations = _actions_menu(html)
    assert "archive_lao" in names and "จัดเก็บข้อมูลเข้าคลัง" in html
    assert "archive_lao" not in confirmations  # it needs a reason: asked on the reason page
    with other.app_context():
        sub_id = _pick(Status.PROVINCE_CERTIFIED).id
    token = csrf_token(client, "/admin/submission/?flt0_0=2570")
    page = client.post("/admin/submission/action/", data={
        "csrf_token": token, "action": "archive_lao", "rowid": [str(sub_id)]})
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)
    # The district officer may not take it: not in the table's roles.
    district = other.test_client()
    assert login(district, "dist-6101").status_code == 302
    names, _ = _actions_menu(district.get("/admin/submission/?flt0_0=2570")
                             .get_data(as_text=True))
    assert "archive_lao" not in names


def test_status_tab_shows_the_roles_transitions_with_reason_boxes_from_the_table(
        app, client, demo):
    with app.app_context():
        sub = _pick(Status.LAO_CERTIFIED)
        sub_id = sub.id
    assert login(client, "prov-61").status_code == 302
    html = client.get(f"/admin/submission/workspace/?id={sub_id}&tab=status").get_data(
        as_text=True)
    for rule in TRANSITIONS.values():
        shown = f'name="action" value="{rule.name}"' in html
        assert shown is (Role.PROVINCE_OFFICER in rule.roles), rule.name
        if shown and rule.needs_reason and Status.LAO_CERTIFIED in rule.sources:
            assert f'id="reason-{rule.name}"' in html


def test_reason_page_refuses_a_transition_that_needs_no_reason(app, client, demo):
    with app.app_context():
        sub_id = _pick(Status.LAO_CERTIFIED).id
    assert login(client, "prov-61").status_code == 302
    token = csrf_token(client, "/admin/submission/?flt0_0=2570")
    response = client.post("/admin/submission/reason/", data={
        "csrf_token": token, "action": "certify_province", "rowid": [str(sub_id)],
        "reason": REASON})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.LAO_CERTIFIED


def _state_for(rule: Transition) -> Status:
    return sorted(rule.sources)[0]


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_each_transition_sets_exactly_the_stamps_of_the_table(app, demo, action):
    rule = TRANSITIONS[action]
    actor_name = "admin" if Role.DLA_ADMIN in rule.roles else None
    with app.app_context():
        sub = _pick(_state_for(rule))
        if sub is None:
            pytest.skip(f"the demo has no {_state_for(rule)} submission")  # pragma: no cover
        if rule.needs_complete:
            sub = next(s for s in db.session.scalars(select(Submission).where(
                Submission.fiscal_year == 2570, Submission.status == Status.DRAFT))
                if s.sections_complete == SECTION_COUNT)
        actor = _user(actor_name or f"lao-{sub.organization.dla_code}")
        before = {c: getattr(sub, c) for c in rule.stamps}
        (outcome,) = transition(action, [sub.id], actor, reason=REASON, carried_ok=True)
        assert outcome.done, outcome.message
        db.session.expire_all()
        after = db.session.get(Submission, sub.id)
        assert after.status is rule.target
        for column, stamp in rule.stamps.items():
            value = getattr(after, column)
            if stamp is Stamp.CLEAR:
                assert value is None, column
            elif stamp is Stamp.ACTOR:
                assert value == actor.id, column
            elif stamp is Stamp.REASON:
                assert value == REASON, column
            else:
                assert value is not None and value != before[column], column
        # Nothing outside the table's stamps moved but status, version and updated_at.
        assert set(stamp_values(rule, actor_id=1, now=None, reason="x")) == set(rule.stamps)
        event = db.session.scalars(select(CertificationEvent).where(
            CertificationEvent.submission_id == sub.id)
            .order_by(CertificationEvent.id.desc())).first()
        assert (event.action, event.to_status) == (action, rule.target)


def test_a_transition_with_several_sources_records_each_rows_own_source(app, demo, monkeypatch):
    rule = TRANSITIONS[Action.RETURN_TO_LAO]
    monkeypatch.setitem(TRANSITIONS, Action.RETURN_TO_LAO, replace(
        rule, sources=frozenset({Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED})))
    with app.app_context():
        a, b = _pick(Status.LAO_CERTIFIED), _pick(Status.PROVINCE_CERTIFIED)
        outcomes = transition(Action.RETURN_TO_LAO, [a.id, b.id], _user("prov-61"),
                              reason=REASON)
        assert all(o.done for o in outcomes), outcomes
        db.session.expire_all()
        assert {db.session.get(Submission, i).status for i in (a.id, b.id)} == {Status.DRAFT}
        sources = dict(db.session.execute(
            select(CertificationEvent.submission_id, CertificationEvent.from_status).where(
                CertificationEvent.submission_id.in_([a.id, b.id]),
                CertificationEvent.action == Action.RETURN_TO_LAO)).all())
        assert sources == {a.id: Status.LAO_CERTIFIED, b.id: Status.PROVINCE_CERTIFIED}


# --- permissions ----------------------------------------------------------------------------

def test_every_permission_has_roles_and_labels():
    assert set(PERMISSIONS) == set(Permission)
    for permission, roles in PERMISSIONS.items():
        assert roles and roles <= set(Role), permission
        assert permission.label_th and permission.label_en


class _Who:
    def __init__(self, role, active=True, authenticated=True):
        self.role, self.is_active, self.is_authenticated = role, active, authenticated


@pytest.mark.parametrize("permission", list(Permission), ids=str)
def test_may_follows_the_permission_table(permission):
    for role in Role:
        assert may(_Who(role), permission) is (role in PERMISSIONS[permission])
        assert may(_Who(role, active=False), permission) is False
    assert may(None, permission) is False
    assert may(_Who(Role.DLA_ADMIN, authenticated=False), permission) is False


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_may_follows_the_transition_table(action):
    for role in Role:
        assert may(_Who(role), action) is (role in TRANSITIONS[action].roles)
        assert may(_Who(role), action.value) is (role in TRANSITIONS[action].roles)


def test_bulk_link_is_shown_to_whoever_may_certify_in_bulk(app, demo):
    for username, role in (("prov-61", Role.PROVINCE_OFFICER), ("dist-6101", Role.DISTRICT_OFFICER),
                           ("admin", Role.DLA_ADMIN)):
        client = app.test_client()
        assert login(client, username).status_code == 302
        html = client.get("/admin/submission/?flt0_0=2570").get_data(as_text=True)
        shown = "/admin/submission/bulk/" in html
        assert shown is (role in PERMISSIONS[Permission.CERTIFY_IN_BULK]), username
        status = client.get("/admin/submission/bulk/").status_code
        assert (status == 200) is shown, (username, status)


# --- the deadline extension service ---------------------------------------------------------

def test_extend_deadline_changes_only_open_years_in_scope_and_audits_each(app, demo):
    with app.app_context():
        officer = _user("prov-61")
        mine = _pick(Status.DRAFT).id
        closed = db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == 2569, Submission.province_code == "61")).first()
        until = date.today() + timedelta(days=20)
        outcomes = extend_deadline([mine, closed, 99_999_999, "abc"], officer, until)
        assert {o.submission_id: o.done for o in outcomes} == {
            mine: True, closed: False, 99_999_999: False}
        db.session.expire_all()
        assert db.session.get(Submission, mine).extension_until == until
        assert db.session.get(Submission, closed).extension_until is None
        audit = db.session.scalars(select(AuditLog).where(
            AuditLog.field == "extension_until")).all()
        assert [(a.submission_id, a.new_value, a.user_id) for a in audit] == [
            (mine, str(until), officer.id)]
        with pytest.raises(TransitionNotAllowed):
            extend_deadline([mine], officer, date.today() - timedelta(days=1))
        clerk = _user(f"lao-{db.session.get(Submission, mine).organization.dla_code}")
        with pytest.raises(TransitionNotAllowed) as refused:
            extend_deadline([mine], clerk, until + timedelta(days=5))
        assert refused.value.code == "role"
        assert db.session.get(Submission, mine).extension_until == until


def test_extending_keeps_the_officers_filtered_list(app, client, demo):
    with app.app_context():
        mine = _pick(Status.DRAFT).id
    assert login(client, "prov-61").status_code == 302
    back = "/admin/submission/?flt0_0=2570&flt1_1=6102"
    token = csrf_token(client, back)
    page = client.post("/admin/submission/action/", data={
        "csrf_token": token, "action": "extend_deadline", "rowid": [str(mine)], "url": back})
    assert page.status_code == 200
    until = date.today() + timedelta(days=10)
    done = client.post("/admin/submission/extend/", data={
        "csrf_token": token, "rowid": [str(mine)], "url": back,
        "until": be_date(until)})
    assert done.status_code == 302 and done.headers["Location"].endswith(back)


# --- one scope: placement() owns every scoped view ---------------------------------------------

SCOPE_ATTRIBUTES = ("org_column", "district_column", "province_column", "scope_join")


def test_every_scoped_view_finds_its_scope_in_placement_and_declares_none(app):
    admin = app.extensions["admin"][0]
    views = [v for v in admin._views if isinstance(v, ModelView)]
    assert views and all(isinstance(v, ScopedModelView) for v in views)
    for view in views:
        assert placement(view.model) is not None, f"{view.endpoint}: {view.model.__name__}"
        for klass in type(view).__mro__:
            declared = set(vars(klass)) & set(SCOPE_ATTRIBUTES)
            assert not declared, f"{klass.__name__} declares {declared}"


# --- labels ---------------------------------------------------------------------------------

def test_every_enum_column_is_a_labelled_enum_with_thai_and_english_names(app):
    enums = {c.type.enum_class for t in db.metadata.tables.values() for c in t.columns
             if isinstance(c.type, SAEnum) and c.type.enum_class is not None}
    assert {Status, Role, Action} <= enums
    for enum_cls in enums:
        assert issubclass(enum_cls, LabeledEnum), enum_cls
        for member in enum_cls:
            assert member.label_th and re.search(r"[\u0E00-\u0E7F]", member.label_th), member
            assert member.label_en and not re.search(r"[\u0E00-\u0E7F]", member.label_en), member


def test_no_template_spells_a_label_or_a_badge_colour_of_its_own():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "'lao_certified':" not in text and "{'create':" not in text, path
        assert ".label_th }}" not in text or path.name in ("home.html",), path


# --- one number of sections ------------------------------------------------------------------

# Spellings of the section count outside SECTION_COUNT (the catalogue itself numbers its
# sections 1–8, and the migration is history).
_EIGHT = re.compile(r"range\(1,\s*9\)|/8\b|==\s*8\b|\b8\s*-\s*len|BETWEEN 0 AND 8|\b8 ด้าน"
                    r"|get\(8\b|all 8 sections")


def _code_without_docstrings_and_comments(source: str) -> str:
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.add((body[0].lineno, body[0].end_lineno))
    out = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            continue
        if token.type == tokenize.STRING and any(a <= token.start[0] <= b for a, b in docstrings):
            continue
        out.append(token.string)
    return " ".join(out)


def test_the_number_of_sections_is_written_only_as_section_count():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in (".venv", "migrations", "tests", "bench") \
                or rel.as_posix() in ("models/tables/sections.py", "workflow.py"):
            continue
        code = _code_without_docstrings_and_comments(path.read_text(encoding="utf-8"))
        found += [f"{rel}: {m.group(0)}" for m in _EIGHT.finditer(code)]
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in _EIGHT.finditer(text)]
    assert found == []
    assert workflow.SECTION_COUNT == 8
    from models.tables.sections import SECTIONS
    assert len(SECTIONS) == SECTION_COUNT


def test_open_and_closed_years_use_the_labelled_year_status(app, demo):
    with app.app_context():
        labels = {y.status.label_th for y in db.session.scalars(select(FiscalYear))}
        assert labels == {"เปิดรับข้อมูล", "ปิดแล้ว"}
        assert db.session.scalar(select(func.count()).select_from(FiscalYear)) == 3
