"""The English switch switches every string INFO writes (issue 8), and Thai stays Thai.

- the `messages` catalogue (translations/en) covers every msgid Babel extracts from INFO's
  sources with babel.cfg, with its placeholders, and its .mo is compiled from it;
- no Thai string literal is left in the sources outside a gettext call, a bilingual pair or a
  listed exception (the scan below);
- every screen each role meets, in English, shows no Thai character except in data values
  (names, text the users typed, stored warnings …, read from the database for the test),
  and the same screens in Thai show none of INFO's English button words.
"""

from __future__ import annotations

import ast
import html as html_lib
import re
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment
from sqlalchemy import String, Text, select

from models import (AuditLog, CertificationEvent, District, InfoAdministrator, LaoWebsite,
                    Organization, Province, Subdistrict, Submission, TouristPlace, User, db)
from models.tables.sections import CHILDREN, SECTIONS
from models.tables.submissions import SectionWarning
from workflow import Status

from .conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
THAI = re.compile(r"[\u0E00-\u0E7F]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


# --- 1. the catalogue ----------------------------------------------------------------------------

def _extracted() -> dict[str, tuple[str, int]]:
    """msgid → (file, line) of every message Babel extracts from INFO's sources (babel.cfg)."""
    from babel.messages.frontend import parse_mapping_cfg
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
                "_l": None, "lazy_gettext": None}
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, (filename, lineno))
    return found


def _english_po():
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def test_every_extracted_message_has_an_english_translation():
    catalog = _english_po()
    extracted = _extracted()
    assert len(extracted) > 400  # templates, views, models and workflow all extracted
    missing = []
    for msgid, where in extracted.items():
        message = catalog.get(msgid)
        if message is None or not message.string or "fuzzy" in message.flags:
            missing.append(f"{where[0]}:{where[1]}: {msgid!r}")
    assert missing == [], "run the extract/update commands of translations/README.md"


def test_english_catalogue_keeps_placeholders_and_has_no_leftover_thai():
    for message in _english_po():
        if not message.id:
            continue
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(message.id)), \
            message.id
        # A template's _() always %-formats: a bare % ("% certified") is a directive there
        # (a 500 on the English dashboard); write %% or a word.
        assert not re.search(r"%(?![(%])", message.string.replace("%%", "")), message.string
        # The language switch names Thai in Thai ("ไทย"); an example of a Thai LAO name stays.
        if message.id not in ("ไทย", "ภาษาไทย", "เช่น น้ำซึม หรือ 6610103",
                              "เช่น หนองฉาง หรือ 6100101"):
            assert not THAI.search(message.string), message.id


def test_compiled_english_catalogue_matches_po():
    compiled = Translations.load(str(TRANSLATIONS), ["en"], domain="messages")
    assert isinstance(compiled, Translations), "messages.mo is missing: pybabel compile"
    for message in _english_po():
        if message.id:
            assert compiled.ugettext(message.id) == message.string, message.id


# --- 2. no stray Thai in the sources ---------------------------------------------------------

# Calls whose string arguments are translated (gettext) or are one half of a bilingual pair.
TRANSLATED_CALLS = {"_", "_l", "gettext", "lazy_gettext", "N_", "ngettext", "bilingual"}
# Keyword arguments and info keys of the field catalogue, translated where shown
# (translations/extract.py extracts them); label_th is a bilingual pair with label_en.
CATALOGUE_KEYS = {"help", "group", "unit", "range_message", "message", "label_th"}
# Thai that is data, not a message, file by file (each with its reason).
EXCEPTIONS = {
    # Reference numbers are identifiers printed on reports ("อปท. 6100101/2570-1").
    "workflow.py": {"อปท.", "จ."},
    # The Thai month names and their abbreviations are the Thai half of month_name/thai_date.
    "workflow.py#months": set(),
    # What a typed or imported Thai yes / no says (input, not output).
    "models/catalogue/rule_kinds.py": {"มี", "ใช่", "ไม่มี", "ไม่ใช่"},
    # Data products stay Thai (see README: exports): the public CSV's column headers.
    "views/public.py": {"ด้านที่", "ด้าน", "หมวด", "รายการที่", "รหัสข้อมูล", "ข้อมูล", "หน่วย",
                        "ค่า"},
    # The short tab name strips the Thai word "ข้อมูล" from a Thai title (English has its own).
    "views/presentation.py": {"ข้อมูลด้าน", "ข้อมูล"},
    # The workbook's own summary sheet the importer passes over (models/exchange/workbooks.py names it),
    # and the header of a child table's row number it reads.
    "models/exchange/imports.py": {"สรุป", "ลำดับ"},
    # The Thai letters dictionary order is about: leading vowels, consonants, tone marks.
    "models/catalogue/collation.py": {"เแโใไ", "[\u0e01-\u0e2e]",
                                      "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"},
    # The Unicode block of Thai, to recognise a CSV in TIS-620 by the Thai it decodes to.
    "models/exchange/sheets.py": {"[\u0e00-\u0e7f]"},
    # The publisher's name as the catalogue states it (configuration's default, data).
    "app.py": {"กรมส่งเสริมการปกครองท้องถิ่น"},
}
# Modules whose Thai is a data product's, not a screen's (README: Languages):
# - the open data API sets no session, so it has no language: its OpenAPI document and error
#   bodies are Thai, like the data it serves (its docs page is a template, scanned below);
# - the XLSX workbooks keep Thai sheet names and headers whoever downloads them, as the CSVs do.
# - the open-data catalogue, the schema.org markup and the Atom feed describe Thai data in Thai
#   and English side by side, whatever the screen's language (views/opendata.py).
THAI_ONLY_MODULES = {"views/api.py", "views/api_schemas.py", "models/exchange/workbooks.py",
                     "views/opendata.py"}
# Every module of views/ and models/, sub-packages included (models/ has them since issue 22).
SOURCES = ["app.py", "workflow.py", *sorted(
    path for folder in ("views", "models") for p in (ROOT / folder).rglob("*.py")
    if (path := p.relative_to(ROOT).as_posix()) not in THAI_ONLY_MODULES)]


def _stray_thai(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    allowed: set[int] = set()
    for node in ast.walk(tree):
        # docstrings
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            allowed.add(id(node.body[0].value))
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in TRANSLATED_CALLS:
                allowed.update(id(n) for arg in node.args for n in ast.walk(arg))
            allowed.update(id(n) for kw in node.keywords if kw.arg in CATALOGUE_KEYS
                           for n in ast.walk(kw.value))
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in CATALOGUE_KEYS:
                    allowed.update(id(n) for n in ast.walk(value))
        # A bilingual pair: a Thai string followed by an English one, in a call or a tuple
        # (labelled enum members, catalogue helpers, COMMON_LABELS, default arguments).
        items = node.args if isinstance(node, ast.Call) else getattr(node, "elts", None) \
            if isinstance(node, ast.Tuple) else None
        if items:
            for first, second in zip(items, items[1:]):
                if isinstance(first, ast.Constant) and isinstance(second, ast.Constant) \
                        and isinstance(first.value, str) and isinstance(second.value, str) \
                        and THAI.search(first.value) and not THAI.search(second.value):
                    allowed.add(id(first))
        if isinstance(node, ast.arguments):  # def latitude(label_th="ละติจูด", label_en=…)
            defaults = node.defaults
            for first, second in zip(defaults, defaults[1:]):
                if isinstance(first, ast.Constant) and isinstance(second, ast.Constant):
                    allowed.add(id(first))
        # TITLE_TH = "…" next to TITLE_EN; THAI_MONTHS / THAI_MONTHS_SHORT
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if names & {"TITLE_TH", "THAI_MONTHS", "THAI_MONTHS_SHORT"} and node.value:
                allowed.update(id(n) for n in ast.walk(node.value))
    exceptions = EXCEPTIONS.get(path, set())
    stray = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and THAI.search(node.value) and id(node) not in allowed \
                and node.value not in exceptions:
            stray.append(f"{path}:{node.lineno}: {node.value!r}")
    return stray


def test_no_thai_string_literal_outside_gettext_in_python_sources():
    stray = [line for path in SOURCES for line in _stray_thai(path)]
    assert stray == [], "wrap these in _() / lazy_gettext() (or list a commented exception)"


def _template_text(source: str) -> list[str]:
    """The template's literal text (outside {{ }} and {% %}) and its string constants inside
    tags that are not a gettext argument."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found = []
    tokens = list(env.lex(source))
    for i, (_line, kind, value) in enumerate(tokens):
        if kind == "data" and THAI.search(value):
            found.append(value.strip())
        elif kind == "string" and THAI.search(value):
            # allowed: _('…') — the previous tokens are "_" "("
            before = [t[2] for t in tokens[max(0, i - 2):i]]
            if before != ["_", "("]:
                found.append(ast.literal_eval(value))
    return found


def test_no_thai_text_outside_gettext_in_templates():
    stray = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        stray += [f"{path.relative_to(ROOT)}: {text[:60]!r}"
                  for text in _template_text(path.read_text(encoding="utf-8"))]
    assert stray == [], "wrap these in {{ _('…') }}"


def test_the_source_scan_finds_a_stray_thai_string(tmp_path, monkeypatch):
    """The scans above would see a new untranslated message (Python and template)."""
    assert _template_text("<p>ยินดีต้อนรับ</p>") == ["<p>ยินดีต้อนรับ</p>"]
    assert _template_text("<p>{{ _('ยินดีต้อนรับ') }}</p>") == []
    assert _template_text("{{ x or 'ทั้งประเทศ' }}") == ["ทั้งประเทศ"]
    (tmp_path / "probe.py").write_text('flash("บันทึกแล้ว")\nflash(_("บันทึกแล้ว"))\n'
                                       'X = ("a", "ไทย", "Thai")\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _stray_thai("probe.py") == ["probe.py:1: 'บันทึกแล้ว'"]


# --- 3. every screen in English --------------------------------------------------------------

# Reference numbers are identifiers ("อปท. 6100101/2570-1", "จ. …"): data, in both languages.
REFERENCE = re.compile(r"(?:อปท\.|จ\.) \d{7}/\d{4}-\d+")
# The language switch names Thai in Thai.
SWITCH = ("ภาษาไทย", "ไทย")


RUN = re.compile(r"[\u0E00-\u0E7F]+")


def _data_words(app) -> set[str]:
    """The Thai words (runs of Thai letters) of every value the users or the demo wrote:
    names, typed text, stored warnings, audit values …"""
    values: set[str] = set()
    columns = [Organization.name_th, Organization.name_en, Province.name_th, Province.name_en,
               District.name_th, District.name_en, Subdistrict.name_th, User.full_name,
               User.position, SectionWarning.message, CertificationEvent.reason,
               Submission.return_reason, AuditLog.old_value, AuditLog.new_value,
               LaoWebsite.url, InfoAdministrator.name, InfoAdministrator.position,
               TouristPlace.name, TouristPlace.description, TouristPlace.contact]
    for model in (*SECTIONS, *(c for pairs in CHILDREN.values() for _n, c in pairs)):
        columns += [c for c in model.__table__.columns if isinstance(c.type, (String, Text))
                    and "kind" in c.info and c.info["kind"] != "choice"]
    with app.app_context():
        for column in columns:
            for value in db.session.scalars(select(column).distinct()):
                if value:
                    values.update(RUN.findall(str(value)))
    return values


def _leftover_thai(page: str, data: set[str]) -> list[str]:
    """Thai words on a page that are no data value's (with a little context)."""
    text = re.sub(r"<script.*?</script>", " ", html_lib.unescape(page), flags=re.S)
    text = REFERENCE.sub(" ", text)
    for word in SWITCH:
        text = text.replace(f">{word}<", "><")
    return sorted({text[max(0, m.start() - 25):m.end() + 25].replace("\n", " ").strip()
                   for m in RUN.finditer(text) if m.group() not in data})


def _get(client, path: str, status: int = 200) -> str:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def _post(client, path: str, data: dict) -> str:
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _ids(app):
    """The LAO-years the screens are opened on: a complete draft (the clerk's), a
    LAO-certified one (the officers'), a province-certified one (the public's)."""
    with app.app_context():
        def first(*where):
            return db.session.scalars(select(Submission).where(*where)
                                      .order_by(Submission.id)).first()
        draft = first(Submission.fiscal_year == 2570, Submission.status == Status.DRAFT)
        # in district 6101, so that the district officer may open it too
        waiting = first(Submission.fiscal_year == 2570, Submission.district_code == "6101",
                        Submission.status == Status.LAO_CERTIFIED)
        public = first(Submission.status == Status.PROVINCE_CERTIFIED)
        user = db.session.scalar(select(User.id).where(User.username == "prov-61"))
        return dict(draft=draft.id, clerk=f"lao-{draft.organization.dla_code}",
                    waiting=waiting.id, dla_code=public.organization.dla_code,
                    year=public.fiscal_year, user=user, org=draft.organization_id)


def _clerk_pages(client, ids) -> dict[str, str]:
    sub = ids["draft"]
    pages = {"home": _get(client, "/admin/"), "years": _get(client, "/admin/lao_years/")}
    for tab in [*range(1, 9), "status"]:
        pages[f"tab {tab}"] = _get(client, f"/admin/lao_years/workspace/?id={sub}&tab={tab}")
    for no in range(1, 9):
        pages[f"form {no}"] = _get(client, f"/admin/edit_s{no}/edit/?id={sub}")
    pages["report"] = _get(client, f"/admin/lao_years/report/?id={sub}")
    for view in ("lao_website", "info_administrator", "tourist_place"):
        pages[view] = _get(client, f"/admin/{view}/")
        pages[f"{view} new"] = _get(client, f"/admin/{view}/new/")
    # a refused certification and a form that does not validate: their messages
    token = csrf_token(client, f"/admin/lao_years/workspace/?id={sub}&tab=status")
    pages["refusal"] = _post(client, "/admin/lao_years/transition/",
                             {"csrf_token": token, "id": sub, "action": "certify_lao"})
    pages["form errors"] = _post(client, f"/admin/edit_s1/edit/?id={sub}",
                                 {"csrf_token": token, "postal_code": "abc", "area_sq_km": "-1",
                                  "population_male": "x"})
    return pages


def _officer_pages(client, ids, bulk: bool) -> dict[str, str]:
    pages = {"home": _get(client, "/admin/"), "list": _get(client, "/admin/submission/"),
             "workspace": _get(client, f"/admin/submission/workspace/?id={ids['waiting']}"),
             "status": _get(client, f"/admin/submission/workspace/?id={ids['waiting']}"
                                    "&tab=status"),
             "dashboard": _get(client, "/admin/dashboard/"),
             "lagging print": _get(client, "/admin/dashboard/lagging/print")}
    if bulk:
        token = csrf_token(client, "/admin/submission/")
        for action in ("return_to_lao", "extend_deadline"):
            pages[action] = _post(client, "/admin/submission/action/",
                                  {"csrf_token": token, "action": action,
                                   "rowid": ids["waiting"], "url": "/admin/submission/"})
        pages["reason missing"] = _post(client, "/admin/submission/reason/",
                                        {"csrf_token": token, "action": "return_to_lao",
                                         "rowid": ids["waiting"], "reason": ""})
        pages["bulk"] = _get(client, "/admin/submission/bulk/?province=61")
    return pages


def _admin_pages(client, ids) -> dict[str, str]:
    pages = {"home": _get(client, "/admin/"), "years": _get(client, "/admin/fiscal_year/"),
             "open year": _get(client, "/admin/fiscal_year/open/"),
             "users": _get(client, "/admin/user_account/"),
             "user": _get(client, f"/admin/user_account/edit/?id={ids['user']}"),
             "new user": _get(client, "/admin/user_account/new/"),
             "audit": _get(client, "/admin/audit_log/"),
             "events": _get(client, "/admin/certification_event/"),
             "organizations": _get(client, "/admin/organization/"),
             "organization": _get(client, f"/admin/organization/edit/?id={ids['org']}"),
             "provinces": _get(client, "/admin/province/"),
             "list": _get(client, "/admin/submission/"),
             "bulk": _get(client, "/admin/submission/bulk/?province=61"),
             "national dashboard": _get(client, "/admin/dashboard/")}
    year = _get(client, "/admin/fiscal_year/")
    match = re.search(r'/admin/fiscal_year/edit/\?id=(\d+)', year)
    if match:
        pages["edit year"] = _get(client, f"/admin/fiscal_year/edit/?id={match.group(1)}")
    return pages


def _public_pages(client, ids) -> dict[str, str]:
    code, year = ids["dla_code"], ids["year"]
    return {"login": _get(client, "/login"), "search": _get(client, "/"),
            "results": _get(client, "/?province=61"),
            "organization": _get(client, f"/orgs/{code}"),
            "year": _get(client, f"/orgs/{code}/{year}"), "stats": _get(client, "/stats"),
            # Not /api/v1/docs: like every API answer it reads no session (one page for
            # everybody, cacheable), so it is in Thai like the API's document.
            "about": _get(client, "/about"), "404": _get(client, "/no-such-page", 404),
            "bad login": _post(client, "/login", {"csrf_token": csrf_token(client),
                                                  "username": "nobody", "password": "x"})}


def _all_pages(app, lang: str) -> dict[str, str]:
    ids = _ids(app)
    pages = {}
    for who, collect in (("public", lambda c: _public_pages(c, ids)),
                         (ids["clerk"], lambda c: _clerk_pages(c, ids)),
                         ("dist-6101", lambda c: _officer_pages(c, ids, bulk=False)),
                         ("prov-61", lambda c: _officer_pages(c, ids, bulk=True)),
                         ("admin", lambda c: _admin_pages(c, ids))):
        client = app.test_client()
        client.get(f"/lang/{lang}")
        if who != "public":
            assert login(client, who).status_code == 302
        pages.update({f"{who} {name}": html for name, html in collect(client).items()})
    return pages


def test_every_screen_is_english_after_the_switch(app, demo):
    pages = _all_pages(app, "en")
    data = _data_words(app)
    leftovers = {name: found for name, html in pages.items()
                 if (found := _leftover_thai(html, data))}
    assert leftovers == {}, "\n".join(f"{k}: {v}" for k, v in leftovers.items())
    # …and they are really the English screens (not an empty page)
    assert "Certification status" in pages["prov-61 status"]
    assert "Fiscal year" in pages["admin years"]
    assert "Find a Local Administrative Organization" in pages["public search"]


# INFO's own English words that must not show on a Thai screen (Flask-Admin's are Thai too).
ENGLISH_WORDS = re.compile(r">\s*(Sign in|Sign out|Search|Save|Back|View|Report|Certify[^<]*|"
                           r"Revoke[^<]*|Return to the LAO|Fiscal year|Status|Province|District|"
                           r"Cancel|List|Create|Edit|Delete|Add Filter|With selected)\s*<")


def test_every_screen_stays_thai_without_the_switch(app, demo):
    pages = _all_pages(app, "th")
    english = {name: sorted(set(ENGLISH_WORDS.findall(html))) for name, html in pages.items()}
    assert {name: words for name, words in english.items() if words} == {}
    assert "สถานะการรับรองข้อมูล" in pages["prov-61 status"]


def test_the_language_chosen_before_signing_in_stays_after_sign_in_and_out(app, demo):
    client = app.test_client()
    client.get("/lang/en")
    assert login(client, "prov-61").status_code == 302
    assert "Sign out" in _get(client, "/admin/")
    token = csrf_token(client, "/admin/")
    page = _post(client, "/logout", {"csrf_token": token})
    assert "Signed out" in page and "Sign in to INFO" in page
    client.get("/lang/th")
    assert "เข้าสู่ระบบ INFO" in _get(client, "/login")


def test_the_csv_export_stays_thai_on_an_english_screen(app, demo):
    """A data product: the province list's CSV has the same Thai columns and labels in both
    languages (README, Languages)."""
    import csv
    import io

    def export(lang: str) -> list[list[str]]:
        client = app.test_client()
        assert login(client, "prov-61").status_code == 302
        client.get(f"/lang/{lang}")
        assert "Sign out" in _get(client, "/admin/") if lang == "en" else True
        raw = client.get("/admin/submission/export/csv/?flt0_0=2570").get_data()
        return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))

    english, thai = export("en"), export("th")
    assert english == thai
    assert "อปท." in english[0] and "สถานะการรับรองข้อมูล" in english[0]
    assert {row[english[0].index("สถานะการรับรองข้อมูล")] for row in english[1:]} \
        <= {s.label_th for s in Status}


def test_a_clerk_saving_in_english_is_warned_in_english_and_the_warning_is_kept_in_thai(
        app, complete_draft):
    """Stored warnings are read by the province in either language: they are written in
    Thai (INFO's source language); the clerk's own flash is in the clerk's language."""
    from .formdata import double_the_men, form_fields

    sub_id, clerk, _name = complete_draft
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    client.get("/lang/en")
    form = f"/admin/edit_s1/edit/?id={sub_id}"
    data = form_fields(_get(client, form))
    double_the_men(data)
    response = client.post(form, data=data, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # the flash after the save: English
    flashes = re.findall(r'<div class="alert alert-warning[^"]*"[^>]*>(.*?)</div>', page, re.S)
    assert any("⚠ Population, male changed by more than 50% from last year" in f
               for f in flashes), flashes
    with app.app_context():
        stored = db.session.scalars(select(SectionWarning.message).where(
            SectionWarning.submission_id == sub_id)).all()
    assert stored and all("เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50" in m for m in stored)
    assert not any("changed by more" in m for m in stored)
