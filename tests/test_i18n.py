"""Thai catalogues for Flask-Admin (`admin` domain) and WTForms (`wtforms` domain), and the
compiled English catalogue of INFO's own strings (`messages`; tests/test_english.py covers it).

Thai is the default UI language; English (session["lang"] = "en") must stay English.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from sqlalchemy import select

from models import User, db

from .conftest import csrf_token
from .formdata import form_fields

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd]")

LIST_TAB = re.compile(r'class="nav-link active">([^<(]*)')
FILTER_GROUPS = re.compile(r'id="filter-groups-data" class="d-none">(.*?)</div>', re.S)


def _page(client, path: str) -> str:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _filter_operations(html: str) -> set[str]:
    match = FILTER_GROUPS.search(html)
    assert match, "no filter groups on the page"
    return {flt["operation"] for group in json.loads(match.group(1)).values() for flt in group}


# --- the catalogues themselves -------------------------------------------------------------
@pytest.mark.parametrize("domain", ["admin", "wtforms"])
def test_catalogue_is_complete_and_keeps_placeholders(domain):
    with open(TRANSLATIONS / "th" / "LC_MESSAGES" / f"{domain}.po", "rb") as f:
        catalog = read_po(f)
    assert catalog.locale_identifier == "th"
    messages = [m for m in catalog if m.id]
    assert messages
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {ids[0]!r}"
        assert "fuzzy" not in message.flags, ids[0]
        for string in strings:
            # the singular may omit %(num)d / %(count)s; Thai has one form, so it keeps them
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(ids[-1])), ids


@pytest.mark.parametrize("locale,domain", [("th", "admin"), ("th", "wtforms"),
                                           ("en", "messages")])
def test_compiled_mo_matches_po(locale, domain):
    """The committed .mo is what runs: it must not lag behind the .po (re-run pybabel compile).
    INFO's own `messages` (Thai msgids, English catalogue): tests/test_english.py checks more."""
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with open(folder / f"{domain}.po", "rb") as f:
        catalog = read_po(f)
    compiled = Translations.load(str(TRANSLATIONS), [locale], domain=domain)
    assert isinstance(compiled, Translations), f"{domain}.mo is missing"
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert compiled.ungettext(*message.id, 2) == message.string[0], message.id
        else:
            assert compiled.ugettext(message.id) == message.string, message.id


def test_admin_catalogue_covers_flask_admin_template():
    with open(TRANSLATIONS / "admin.pot", "rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with open(TRANSLATIONS / "th" / "LC_MESSAGES" / "admin.po", "rb") as f:
        translated = {m.id for m in read_po(f) if m.id and m.string}
    assert template <= translated, template - translated


def test_admin_plural_messages_are_thai_for_any_count(app):
    """Flask-Admin merges our catalogue with its own folder (no `th`) and keeps that folder's
    plural rule (n != 1): admin.po therefore carries both plural forms (see its header)."""
    from flask import g
    from flask_admin.babel import ngettext

    admin = app.extensions["admin"][0]
    deleted = ("Record was successfully deleted.", "%(count)s records were successfully deleted.")
    with app.test_request_context("/admin/"):
        g._admin_view = admin._views[1]
        for count in (1, 3):
            assert ngettext(*deleted, count, count=count) == f"ลบข้อมูลเรียบร้อยแล้ว {count} รายการ"


# --- Flask-Admin pages -----------------------------------------------------------------------
def test_admin_list_page_is_thai_by_default(client, demo, login_as):
    login_as("admin")
    html = _page(client, "/admin/submission/")
    assert LIST_TAB.search(html).group(1).strip() == "รายการ"
    assert "เพิ่มตัวกรอง" in html
    assert "ดำเนินการกับรายการที่เลือก" in html
    assert "ส่งออก" in html
    assert ">Add Filter<" not in html and "Add Filter" not in html
    assert ">With selected</a>" not in html
    assert LIST_TAB.search(html).group(1).strip() != "List"


def test_admin_filter_operations_are_thai(client, demo, login_as):
    login_as("admin")
    operations = _filter_operations(_page(client, "/admin/organization/"))
    assert {"เท่ากับ", "ไม่เท่ากับ", "อยู่ในรายการ"} <= operations
    assert not operations & {"equals", "not equal", "in list"}


def test_admin_pages_stay_english_in_english(client, demo, login_as):
    login_as("admin")
    assert client.get("/lang/en").status_code == 302
    html = _page(client, "/admin/submission/")
    assert LIST_TAB.search(html).group(1).strip() == "List"
    assert "Add Filter" in html
    assert ">With selected</a>" in html
    assert "เพิ่มตัวกรอง" not in html
    operations = _filter_operations(_page(client, "/admin/organization/"))
    assert {"equals", "not equal"} <= operations
    # ...and back to Thai
    client.get("/lang/th")
    assert LIST_TAB.search(_page(client, "/admin/submission/")).group(1).strip() == "รายการ"


# --- WTForms validation messages -------------------------------------------------------------
def _password_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.username == "prov-61"))


def _post_short_password(client, app):
    """An admin form whose validator message is WTForms' own (the user form's Length()):
    the fiscal-year form's dates are INFO's ThaiDateField now, with its own Thai message."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "prov-61"))
    edit = f"/admin/user_account/edit/?id={user_id}"
    token = csrf_token(client, edit)
    data = form_fields(_page(client, edit))
    data.update({"csrf_token": token, "new_password": "short"})
    response = client.post(edit, data=data)
    assert response.status_code == 200  # the form again, with its errors; nothing saved
    return response.get_data(as_text=True)


def test_admin_form_validation_message_is_thai(app, client, demo, login_as):
    login_as("admin")
    before = _password_hash(app)
    body = _post_short_password(client, app)
    assert "ต้องมีความยาวระหว่าง 8 ถึง 128 ตัวอักษร" in body
    assert "Field must be between" not in body
    assert "บันทึกข้อมูลเรียบร้อยแล้ว" not in body
    assert _password_hash(app) == before


def test_admin_form_validation_message_is_english_in_english(app, client, demo, login_as):
    login_as("admin")
    client.get("/lang/en")
    before = _password_hash(app)
    body = _post_short_password(client, app)
    assert "Field must be between 8 and 128 characters long." in body
    assert "ต้องมีความยาวระหว่าง" not in body
    assert _password_hash(app) == before


def test_login_form_uses_the_wtforms_catalogue(client, app):
    """LoginForm's own messages are Thai already; its Length() message comes from the catalogue."""
    token = csrf_token(client)
    response = client.post("/login", data={"username": "x" * 81, "password": "p",
                                           "csrf_token": token})
    body = response.get_data(as_text=True)
    assert "ต้องมีความยาวไม่เกิน 80 ตัวอักษร" in body
    assert "Field cannot be longer than" not in body

    client.get("/lang/en")
    response = client.post("/login", data={"username": "x" * 81, "password": "p",
                                           "csrf_token": token})
    assert "Field cannot be longer than 80 characters." in response.get_data(as_text=True)


def test_babel_lookups_read_the_same_namespace_as_flask_babel(app):
    """views/i18n.babel_context is flask_babel's own lookup in one step: None outside an app
    context, else the context's g._flask_babel, made once per context, never shared."""
    import flask_babel
    from flask import g

    from views.i18n import FLASK_BABEL_CONTEXT, babel_context
    assert flask_babel._get_current_context is babel_context        # the app installed it
    assert babel_context() is None and FLASK_BABEL_CONTEXT() is None
    with app.app_context():
        ours = babel_context()
        assert ours is FLASK_BABEL_CONTEXT() is babel_context() is g._flask_babel
    with app.test_request_context("/"):
        assert FLASK_BABEL_CONTEXT() is babel_context() is not ours
        assert str(flask_babel.get_locale()) == "th"
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        assert str(flask_babel.get_locale()) == "en"
        assert flask_babel.gettext("อปท.") != "อปท."      # English in this request only
    with app.test_request_context("/"):
        assert str(flask_babel.get_locale()) == "th"
