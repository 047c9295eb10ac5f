"""The language of a request and the catalogues behind it (Thai by default, English available).

- `current_lang()` / `bilingual()`: INFO's own strings in the request's language;
- `column_labels()` / `column_descriptions()`: Flask-Admin labels from the models' metadata;
- `WTFormsCatalogueMeta`: WTForms' validation messages from INFO's `wtforms` catalogue.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import flask_babel
from babel import support
from flask import current_app, has_request_context
from flask.globals import _cv_app
from flask_admin.form import BaseForm
from flask_babel import LazyString, get_locale, gettext, lazy_gettext
from wtforms.i18n import messages_path


# --- Flask-Babel's per-request namespace, found in one step ----------------------------------
# Every gettext, lazy label and locale check asks flask_babel._get_current_context for the
# app context's namespace: `if not g`, `hasattr(g, …)`, `g._flask_babel`, three trips through
# Werkzeug's LocalProxy.  A section page makes ~330 of them, ~1,000 proxy trips, a tenth of its
# CPU (bench/bench_cpu.py --profile, issue 13).  This reads the same object from Flask's
# context variable once.
FLASK_BABEL_CONTEXT = flask_babel._get_current_context


def babel_context() -> SimpleNamespace | None:
    """flask_babel._get_current_context: the app context's `g._flask_babel` (made on first
    use), None outside an app context."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    g = app_context.g
    try:
        return g._flask_babel
    except AttributeError:
        g._flask_babel = SimpleNamespace()
        return g._flask_babel


def use_faster_babel_context() -> None:
    """Make Flask-Babel's locale, domain and translation lookups use `babel_context` (the
    module's functions read the name at each call)."""
    flask_babel._get_current_context = babel_context


def current_lang() -> str:
    """ "th" or "en" for the request (Thai outside a request)."""
    if not has_request_context():
        return "th"
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "th"


def bilingual(th: str, en: str) -> LazyString:
    """A string that renders in Thai or English depending on the request's language."""
    return LazyString(lambda: en if current_lang() == "en" else th)


def catalogue_text(text: str | None) -> str | None:
    """A catalogue help text, fieldset group or unit (a Thai msgid) in the request's language."""
    return gettext(text) if text else text


def info_label(info: dict[str, Any]) -> str:
    """A column's label (label_th / label_en of its metadata) in the request's language."""
    if current_lang() == "en":
        return info.get("label_en") or info["label_th"]
    return info["label_th"]


# Relations and plumbing columns many lists show, named once.
COMMON_LABELS = {
    "id": ("ลำดับ", "Id"), "submission": ("ข้อมูลรายปี", "Submission"),
    "version": ("ครั้งที่บันทึก", "Version"), "section": ("ด้าน", "Section"),
    "organization": ("อปท.", "LAO"), "district": ("อำเภอ", "District"),
    "province": ("จังหวัด", "Province"), "subdistrict": ("ตำบล", "Subdistrict"),
    "office_subdistrict": ("ตำบลที่ตั้งสำนักงาน", "Office subdistrict"),
    "user": ("ผู้แก้ไข", "User"), "actor": ("ผู้ดำเนินการ", "Actor"),
    "scope": ("หน่วยงานที่สังกัด", "Scope"),
}


def column_labels(model: type, **extra: tuple[str, str]) -> dict[str, Any]:
    """{column: lazy label} for every mapped column that carries label_th/label_en, and the
    common relations."""
    labels: dict[str, Any] = {name: bilingual(th, en) for name, (th, en) in COMMON_LABELS.items()}
    for column in model.__table__.columns:
        info = column.info
        if "label_th" in info:
            labels[column.key] = _labelled(info)
    for name, (th, en) in extra.items():
        labels[name] = bilingual(th, en)
    return labels


def _labelled(info: dict[str, Any]) -> LazyString:
    """ "Label (unit)" in the request's language (the unit is a catalogue msgid)."""
    def text() -> str:
        label = info_label(info)
        return f"{label} ({gettext(info['unit'])})" if info.get("unit") else label
    return LazyString(text)


def column_descriptions(model: type) -> dict[str, Any]:
    return {c.key: LazyString(gettext, c.info["help"]) for c in model.__table__.columns
            if c.info.get("help")}


# --- WTForms messages in Thai ----------------------------------------------------------------
# WTForms ships no Thai catalogue, and both Flask-Admin (flask_admin.babel.Translations) and
# Flask-WTF (flask_wtf.i18n) look for the `wtforms` domain only in WTForms' own locale folder.
# Forms that use WTFormsCatalogueMeta read INFO's translations/<locale>/LC_MESSAGES/wtforms.mo
# first and fall back to WTForms' own catalogue (English and the other shipped languages), for
# the locale Flask-Babel picked for the request (app.select_locale).
_wtforms_catalogues: dict[tuple[str, str], support.NullTranslations] = {}


def _wtforms_catalogue() -> support.NullTranslations | None:
    if not has_request_context():
        return None
    locale = str(get_locale())
    ours = os.path.join(current_app.root_path, "translations")
    key = (ours, locale)
    if key not in _wtforms_catalogues:
        theirs = support.Translations.load(messages_path(), [locale], domain="wtforms")
        catalogue = support.Translations.load(ours, [locale], domain="wtforms")
        if isinstance(catalogue, support.Translations):  # ours exists: WTForms' is the fallback
            catalogue.add_fallback(theirs)
        else:
            catalogue = theirs
        _wtforms_catalogues[key] = catalogue
    return _wtforms_catalogues[key]


class WTFormsTranslations:
    """What a WTForms `Meta.get_translations` returns: gettext/ngettext for the request."""

    def gettext(self, string: str) -> str:
        catalogue = _wtforms_catalogue()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = _wtforms_catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


wtforms_translations = WTFormsTranslations()


class WTFormsCatalogueMeta:
    """Form `Meta` mix-in: validation messages from the catalogue above (admin and FlaskForm)."""

    def get_translations(self, form: Any) -> WTFormsTranslations:
        return wtforms_translations


class InfoBaseForm(BaseForm):
    """Flask-Admin's BaseForm with INFO's `wtforms` catalogue (Thai validation messages)."""

    Meta = WTFormsCatalogueMeta
