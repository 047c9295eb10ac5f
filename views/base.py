"""The one secured, scoped ModelView every back-office view derives from (SPEC §6).

Flask-Admin reads rows through six paths (list, count, get_one, actions, relation fields, ajax
lookups).  `ScopedModelView.scope()` is the single place that narrows rows to the signed-in
user's LAO, district or province, and every path below goes through it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any, ClassVar

from flask import (Response, abort, flash, redirect, request, stream_with_context,
                   url_for)
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import tools
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader, create_ajax_loader
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin import form
from flask_admin.model.form import converts
from flask_login import current_user
from sqlalchemy import Enum as SAEnum
from sqlalchemy import Integer
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import db
from models.catalogue.reading import parse_code, parse_int_id
from models.rules.scoping import scoped
from workflow import BANGKOK, LabeledEnum, Role

from .i18n import InfoBaseForm, bilingual
from .presentation import TYPE_FORMATTERS

log = logging.getLogger(__name__)
STALE = _l("มีผู้อื่นบันทึกข้อมูลนี้ไปก่อนหน้าท่านเมื่อไม่กี่วินาทีที่ผ่านมา ข้อมูลของท่านยังไม่ถูกบันทึก "
           "กรุณาโหลดหน้าใหม่แล้วแก้ไขอีกครั้ง")


class InfoModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, with enum selects that show the stored value.

    The library's enum select lists the stored *values* but coerces the row's member to its
    *name* ("CLOSED" ≠ "closed"), so no option is selected and the browser submits the first
    one: saving a form unchanged re-opened a closed year, made an active user pending, an อบต.
    an อบจ. (PITFALLS).  Here the options are (value, Thai or English label) and the data is the
    member itself, so the stored option is selected and an unchanged save changes nothing.
    """

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column, field_args, **extra):
        enum_cls = getattr(column.type, "enum_class", None)
        if enum_cls is None:
            return super().convert_enum(column=column, field_args=field_args, **extra)
        if column.nullable:
            field_args["allow_blank"] = True
            field_args.setdefault("blank_text", _l("— ไม่ระบุ —"))
        self._nullable_common(column, field_args)
        field_args["choices"] = [(m.value, bilingual(m.label_th, getattr(m, "label_en", m.label_th))
                                  if isinstance(m, LabeledEnum) else m.value) for m in enum_cls]

        def coerce(value):
            if value is None or isinstance(value, enum_cls):
                return value
            return enum_cls(str(value))  # ValueError: "not a valid choice", never a 500
        field_args["coerce"] = coerce
        return form.Select2Field(**field_args)


class RoleGated:
    """Who may open a back-office view: signed in, active, and a role in `roles` (from the
    permission table of workflow.py); anonymous visitors go to the login, others get 403."""

    roles: ClassVar[frozenset]

    def is_accessible(self) -> bool:
        return (current_user.is_authenticated and current_user.is_active
                and current_user.role in self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


class ScopedModelView(RoleGated, ModelView):
    """Login + role check, and one row scope used by list, count, record pages and actions.

    Subclasses say only who may open them (`roles`, from the permission table of workflow.py);
    where a row lives is the model's entry in `models.rules.scoping.placement()`.
    """

    roles: ClassVar[frozenset[Role]] = frozenset({Role.DLA_ADMIN})

    model_form_converter = InfoModelConverter
    page_size = 50
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_type_formatters_export = TYPE_FORMATTERS
    can_set_page_size = False
    # Every row of the filtered list: the export streams them in batches (_export_data), so
    # memory stays flat and the file holds what the list's count says (no silent cap).
    export_max_rows = 0
    EXPORT_BATCH = 1_000
    form_base_class = InfoBaseForm  # create/edit/delete/action forms: Thai WTForms messages
    # Writes are opt-in per view; the base is a read-only table.
    can_create = False
    can_edit = False
    can_delete = False

    def __init__(self, model, *args: Any, **kwargs: Any) -> None:
        super().__init__(model, db, *args, **kwargs)

    # --- the one scope ---------------------------------------------------------------------
    def scope(self, query):
        """Narrow `query` to the rows the current user may see (models.rules.scoping is the rule)."""
        return scoped(query, self.model, current_user)

    # --- list arguments a browser, a bookmark or a fuzzer sends ------------------------------
    MAX_PAGE = 1_000_000  # 50 million rows: past any list INFO has

    def _get_list_extra_args(self):
        """page=99999999999999999999 or page=-1 is the last or the first page, not an overflow."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), self.MAX_PAGE)
        if args.sort is not None and not 0 <= args.sort < 1000:
            args.sort = None
        return args

    def get_filters(self):
        """Each filter refuses a value its column cannot hold (an enum value that is no member,
        a 20-digit number) instead of raising: Flask-Admin's validate() catches ValueError only,
        and an enum filter's clean() raises KeyError (a 500 from a bookmark or a fuzzer)."""
        filters = super().get_filters()
        for flt in filters or ():
            flt.validate = _tolerant_validate(flt)
        return filters

    def get_invalid_value_msg(self, value: str, filter) -> str:
        return _("ไม่ใช้ตัวกรอง “%(name)s”: ค่าที่ระบุไม่ถูกต้อง", name=filter.name)

    def get_query(self):
        return self.scope(super().get_query())

    def get_count_query(self):
        if self.is_export_request():
            return None  # the export shows no count: the library then skips the COUNT(*)
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
        return parse_key(self._pk_column(), raw)

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
            flash(_("ไม่สามารถดำเนินการได้ ข้อมูลไม่ถูกเปลี่ยนแปลง"), "error")
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
            message = str(STALE)
        elif isinstance(exc, IntegrityError):
            message = _("บันทึกไม่ได้ ข้อมูลขัดกับเงื่อนไขของระบบ (เช่น ค่าซ้ำกับที่มีอยู่ "
                        "หรือค่าไม่อยู่ในช่วงที่กำหนด) กรุณาตรวจสอบแล้วลองใหม่")
        elif isinstance(exc, DBAPIError):
            message = _("บันทึกไม่ได้ ค่าที่กรอกไม่ถูกต้องตามรูปแบบที่ระบบรับได้ กรุณาตรวจสอบแล้วลองใหม่")
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
    def get_export_name(self, export_type: str = "csv") -> str:
        return be_file_name(self.endpoint, export_type)

    def _export_data(self):
        """The list's rows (scope, search, filters, sort) read in batches while the CSV is
        written: the library loads them all into a list first.  One SELECT, no per-id
        parameter lists, whatever the number of rows."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        _count, query = self.get_list(0, sort[0] if sort else None, args.sort_desc,
                                      args.search, args.filters, execute=False, page_size=0)
        return None, self._stream(query)

    def _stream(self, query):
        """Rows in batches (a server-side cursor on PostgreSQL).  Flask tears the request's
        session down when the view returns, before the body is sent, so the rows are read
        in a session the teardown no longer knows: close it here, at the end or when the
        client goes away, or its transaction stays open (and blocks TRUNCATE, DDL, VACUUM)."""
        try:
            yield from query.yield_per(self.EXPORT_BATCH)
        finally:
            query.session.close()

    def _export_csv(self, return_url: Any):
        """The library's streamed CSV, with a UTF-8 byte-order mark so Excel reads Thai.

        A data product: its headers and labels are Thai whatever the screen's language (the
        columns of a file do not change with who downloaded it; README, Languages).  The rows
        are read and written as the file is sent (memory stays flat at any size), so each chunk
        is made inside the Thai locale, in the request's context (stream_with_context)."""
        with force_locale("th"):
            response = super()._export_csv(return_url)
        chunks = response.response

        def thai():
            yield "\ufeff"
            iterator = iter(chunks)
            while True:
                with force_locale("th"):
                    chunk = next(iterator, None)
                if chunk is None:
                    return
                yield chunk
        response.response = stream_with_context(thai())
        return response

    @staticmethod
    def is_export_request() -> bool:
        return (request.endpoint or "").endswith(".export")

    def get_export_value(self, model, name):
        return csv_safe(super().get_export_value(model, name))


def csv_safe(value: Any) -> Any:
    """A CSV cell that never starts a formula (=, +, -, @, tab, CR): spreadsheets would run it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _tolerant_validate(flt: Any):
    """`flt.validate`, answering False for a value the column cannot hold or the filter cannot
    read, whatever the filter's clean() raises."""
    validate = flt.validate

    def tolerant(value: Any) -> bool:
        if not _fits(getattr(flt, "column", None), value):
            return False
        try:
            return validate(value)
        except (LookupError, ArithmeticError, TypeError, ValueError):
            return False
    return tolerant


def be_file_name(stem: str, ext: str, when: datetime | None = None) -> str:
    """info-submission-2569-12-01_1620.csv: Bangkok time (now, or when a kept file was
    written), Buddhist Era (ASCII, as the Content-Disposition header needs)."""
    now = when.astimezone(BANGKOK) if when is not None else datetime.now(BANGKOK)
    return f"info-{stem}-{now.year + 543}-{now:%m-%d_%H%M}.{ext}"


def send_workbook(build: Callable[[IO[bytes]], Any], filename: str) -> Response:
    """Write a workbook into a temporary file and stream it out in 64 KB chunks; the file
    is gone when the response closes (memory stays flat whatever the number of rows)."""
    from .workbook_cache import send_xlsx
    handle = tempfile.TemporaryFile()
    try:
        build(handle)
        handle.flush()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return send_xlsx(handle, filename)


def _fits(column: Any, value: Any) -> bool:
    """Whether a filter value is one `column` can hold (unknown columns: leave it to the filter)."""
    type_ = getattr(column, "type", None)
    if isinstance(type_, SAEnum) and type_.enums:
        return str(value) in type_.enums
    if isinstance(type_, Integer):
        text = str(value).strip()
        return text.lstrip("-").isdigit() and abs(int(text)) <= 2_147_483_647
    return True


def parse_key(column: Any, raw: Any) -> Any | None:
    """A value for primary-key `column` from a request, or None (models.catalogue.reading is the parser)."""
    if isinstance(column.type, Integer):
        return parse_int_id(raw)
    return parse_code(raw)


def _scoped_factory(model: type):
    def factory():
        return scoped(db.session.query(model), model, current_user)
    return factory


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookups (search-as-you-type dropdowns) through the same scope rule."""

    def get_query(self):
        return scoped(super().get_query(), self.model, current_user)

    def get_one(self, pk: Any):
        column = getattr(self.model, self.pk)
        key = parse_key(column, pk)
        if key is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(column == key).one_or_none()
