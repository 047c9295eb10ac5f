"""The one secured, scoped ModelView every back-office view derives from (SPEC §6).

Flask-Admin reads rows through six paths (list, count, get_one, actions, relation fields, ajax
lookups).  `ScopedModelView.scope()` is the single place that narrows rows to the signed-in
user's LAO, district or province, and every path below goes through it.
"""

from __future__ import annotations

import os
import logging
import re
from typing import Any, ClassVar

from babel import support
from flask import abort, current_app, flash, has_request_context, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import tools
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader, create_ajax_loader
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.form import BaseForm
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import Integer
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import InstrumentedAttribute
from wtforms.i18n import messages_path

from models import db
from models.scoping import placement, scope_filter
from workflow import Role

from .labels import TYPE_FORMATTERS

log = logging.getLogger(__name__)
STALE = ("มีผู้อื่นบันทึกข้อมูลนี้ไปก่อนหน้าท่านเมื่อไม่กี่วินาทีที่ผ่านมา ข้อมูลของท่านยังไม่ถูกบันทึก "
         "กรุณาโหลดหน้าใหม่แล้วแก้ไขอีกครั้ง")
_INT_ID = re.compile(r"^[0-9]{1,18}$")
_CODE_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


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


class ScopedModelView(ModelView):
    """Login + role check, and one row scope used by list, count, record pages and actions.

    Subclasses say who may open them (`roles`) and how a row is placed in the hierarchy: the
    columns holding its LAO, district and province (`org_column`, `district_column`,
    `province_column`), optionally through `scope_join` (a model joined on the query first).
    A role whose column is missing sees nothing.
    """

    roles: ClassVar[frozenset[Role]] = frozenset({Role.DLA_ADMIN})
    org_column: ClassVar[InstrumentedAttribute | None] = None
    district_column: ClassVar[InstrumentedAttribute | None] = None
    province_column: ClassVar[InstrumentedAttribute | None] = None
    scope_join: ClassVar[Any] = None

    page_size = 50
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_type_formatters_export = TYPE_FORMATTERS
    can_set_page_size = False
    export_max_rows = 10_000
    form_base_class = InfoBaseForm  # create/edit/delete/action forms: Thai WTForms messages
    # Writes are opt-in per view; the base is a read-only table.
    can_create = False
    can_edit = False
    can_delete = False

    def __init__(self, model, *args: Any, **kwargs: Any) -> None:
        super().__init__(model, db, *args, **kwargs)

    # --- who may open the view ---------------------------------------------------------------
    def is_accessible(self) -> bool:
        return (current_user.is_authenticated and current_user.is_active
                and current_user.role in self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    # --- the one scope ---------------------------------------------------------------------
    def scope(self, query):
        """Narrow `query` to the rows the current user may see (models.scoping is the rule)."""
        if isinstance(self.scope_join, tuple):
            query = query.join(*self.scope_join)
        elif self.scope_join is not None:
            query = query.join(self.scope_join)
        return query.filter(scope_filter(current_user, **self.scope_columns()))

    def scope_columns(self) -> dict[str, Any]:
        """The view's own placement columns, else the model's entry in models.scoping."""
        cls = type(self)  # class access: a mapped attribute on an instance is a descriptor
        own = dict(org=cls.org_column, district=cls.district_column,
                   province=cls.province_column)
        if any(v is not None for v in own.values()):
            return own
        return placement(self.model)

    def get_query(self):
        return self.scope(super().get_query())

    def get_count_query(self):
        return self.scope(super().get_count_query())

    def get_one(self, id: Any):
        """The library's get_one() is session.get(): it ignores get_query().  Go through scope."""
        pk = self.parse_id(id)
        if pk is None:
            abort(404)
        row = self.get_query().filter(self._pk_column() == pk).one_or_none()
        if row is None:
            abort(404)
        return row

    # --- ids from the request --------------------------------------------------------------
    def _pk_column(self):
        return getattr(self.model, tools.get_primary_key(self.model))

    def parse_id(self, raw: Any) -> Any | None:
        """A primary key from a URL or form, or None when it is malformed."""
        raw = str(raw or "")
        column = self._pk_column()
        if isinstance(column.type, Integer):
            return int(raw) if _INT_ID.match(raw) else None
        return raw if _CODE_ID.match(raw) else None

    def scoped_rows(self, ids: list[str]):
        """Rows of `ids` (raw strings from a list action) that the current user may touch."""
        parsed = [p for p in (self.parse_id(i) for i in ids) if p is not None]
        if not parsed:
            return []
        return tools.get_query_for_ids(self.get_query(), self.model, parsed).all()

    def handle_action(self, return_view: str | None = None):
        """Actions receive raw ids: validate them, and never let an error become a 500."""
        try:
            return super().handle_action(return_view)
        except Exception:  # noqa: BLE001 - roll back, tell the user, keep the page
            db.session.rollback()
            flash("ไม่สามารถดำเนินการได้ ข้อมูลไม่ถูกเปลี่ยนแปลง", "error")
            return redirect(self.get_url(".index_view"))

    def handle_view_exception(self, exc: Exception) -> bool:
        """Saves that the database or the lock guard refuses: a Thai message, never raw SQL.

        Flask-Admin's default flashes str(exc) — the SQL statement — for IntegrityError and
        for any other error of a create / update / delete.
        """
        from models import SubmissionLocked
        if isinstance(exc, SubmissionLocked):
            message = str(exc)
        elif isinstance(exc, StaleDataError):
            message = STALE
        elif isinstance(exc, IntegrityError):
            message = ("บันทึกไม่ได้ ข้อมูลขัดกับเงื่อนไขของระบบ (เช่น ค่าซ้ำกับที่มีอยู่ "
                       "หรือค่าไม่อยู่ในช่วงที่กำหนด) กรุณาตรวจสอบแล้วลองใหม่")
        elif isinstance(exc, DBAPIError):
            message = "บันทึกไม่ได้ ค่าที่กรอกไม่ถูกต้องตามรูปแบบที่ระบบรับได้ กรุณาตรวจสอบแล้วลองใหม่"
        else:
            return super().handle_view_exception(exc)
        db.session.rollback()
        log.warning("save refused in %s: %s", self.endpoint, exc)
        flash(message, "error")
        return True

    def action_delete(self, ids):
        # The library passes raw ids to the database; drop malformed ones first.
        valid = tuple(str(p) for p in map(self.parse_id, ids) if p is not None)
        return super().action_delete(valid)

    # --- relation fields and ajax lookups --------------------------------------------------
    def _create_ajax_loader(self, name: str, options: dict[str, Any]):
        loader = create_ajax_loader(self.model, self.session, name, name, options)
        return ScopedAjaxLoader(name, self.session, loader.model, **options)

    def _scope_relation_fields(self, form):
        """Dropdowns list only rows of the user's scope (the library lists the whole table)."""
        for field in form:
            if isinstance(field, (QuerySelectField, QuerySelectMultipleField)):
                remote = field.query_factory().column_descriptions[0]["entity"] \
                    if field.query_factory else None
                if remote is not None:
                    field.query_factory = _scoped_factory(remote)
        return form

    def create_form(self, obj=None):
        return self._scope_relation_fields(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_relation_fields(super().edit_form(obj))

    # --- export ----------------------------------------------------------------------------
    def get_export_value(self, model, name):
        """CSV cells never start a formula (=, +, -, @): spreadsheets would run them."""
        value = super().get_export_value(model, name)
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
        return value


def _scoped_factory(model: type):
    columns = placement(model)

    def factory():
        return db.session.query(model).filter(scope_filter(current_user, **columns))
    return factory


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookups (search-as-you-type dropdowns) through the same scope rule."""

    def get_query(self):
        return super().get_query().filter(scope_filter(current_user, **placement(self.model)))

    def get_one(self, pk: Any):
        pk = str(pk or "")
        if not _CODE_ID.match(pk):
            return None
        column = getattr(self.model, self.pk)
        if isinstance(column.type, Integer):
            if not _INT_ID.match(pk):
                return None
            pk = int(pk)
        with db.session.no_autoflush:
            return self.get_query().filter(column == pk).one_or_none()
