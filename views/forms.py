"""WTForms fields generated from the column metadata of models/catalogue/columns.py.

One place turns `Column.info` (kind, label, unit, help, choices) into a form field with Thai
labels, units, help text and widgets; the section forms, their inline child rows and any later
import preview all use it.  A field parses its value (a number that is not one is its own
message) but does not re-check the value rules: the section forms run
`models.rules.values.check_section` over the whole row, so each mistake has exactly one message.
A field used outside a section form (`field_for(column)`, e.g. tourist-place coordinates) gets
one validator that asks the same rulebook about its column.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column
from wtforms import validators
from wtforms.fields import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput
from wtforms.widgets import core as wtforms_widgets
from flask_admin import helpers as admin_helpers

from flask_babel import LazyString, gettext, lazy_gettext as _l
from markupsafe import Markup, escape

from models.catalogue import reading as ids
from models.catalogue.reading import NumberRefused, read_number, show_number
from models.catalogue.columns import catalogue_columns
from models.catalogue.rule_kinds import model_of
from models.rules.values import column_message
from workflow import month_name

from .i18n import _labelled

BLANK = SelectChoice("", _l("— เลือก —"))

# --- rendering attributes --------------------------------------------------------------------
WTFORMS_HTML_PARAMS = wtforms_widgets.html_params


def html_params(**kwargs: Any) -> Markup:
    """WTForms' `html_params`, the same markup for the same arguments (tests/test_widgets.py
    compares the two on any input), built with one escape per value instead of a
    `Markup.format` per attribute: on a section form that formatting was a fifth of the CPU of
    the request (bench/bench_cpu.py --profile "GET section form", issue 13)."""
    clean = wtforms_widgets.clean_key
    parts = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            parts.append(str(escape(clean(key))))
        elif value is not False:
            parts.append(f'{escape(clean(key))}="{escape(value)}"')
    return Markup(" ".join(parts))


def field_markup(field) -> Markup:
    """Flask-Admin's `lib.render_field` macro (bootstrap4) for one field with no extra
    arguments, built in Python: the same elements, attributes and text, with the macro's runs
    of whitespace as one space (tests/test_widgets.py compares the two for every section field
    and for any label, value, description and errors).  A section form calls the macro ~25
    times, and Jinja's macro calls were a third of the form's CPU (bench/bench_cpu.py
    --profile "GET section form", issue 13)."""
    kind = getattr(field.widget, "input_type", None)
    checkbox = kind == "checkbox"
    # The macro's own tests (Flask-Admin's helpers): an error of this field, the red star.
    errors = [e for e in field.errors if isinstance(e, str)] \
        if admin_helpers.is_field_error(field.errors) else []
    css = "" if checkbox else "form-control-file" if kind == "file" else "form-control"
    if errors:
        css += " is-invalid"
    required = admin_helpers.is_required_form_field(field)
    parts = [f'<div class="form-group "><label for="{escape(field.id)}" class="col-form-label '
             f'{"d-block mb-0" if checkbox else ""}">{escape(field.label.text)} ',
             '<strong class="text-danger">&#42;</strong></label>' if required
             else '&nbsp; </label>',
             str(field(**{"class": css}))]
    below = " mt-0" if checkbox else " "
    if errors:
        parts.append(f'<div class="invalid-feedback"><ul class="form-text text-danger{below}">')
        parts += [f"<li>{escape(e)}</li>" for e in errors]
        parts.append("</ul></div>")
    elif field.description:
        parts.append(f'<small class="form-text text-muted{below}"> {field.description} </small>')
    parts.append("</div>")
    return Markup("".join(parts))


def use_faster_html_params() -> None:
    """Make WTForms' widgets render their attributes with `html_params` above: the inputs
    through their `html_params` hook, the select, option and textarea widgets through the
    module function they call."""
    wtforms_widgets.html_params = html_params
    wtforms_widgets.Input.html_params = staticmethod(html_params)



def choices(pairs) -> list[SelectChoice]:
    """WTForms 3.3 takes options as SelectChoice (tuples are deprecated)."""
    return [p if isinstance(p, SelectChoice) else SelectChoice(*p) for p in pairs]


DATE_HINT = _l("วันที่ไม่ถูกต้อง กรุณากรอกแบบ วัน/เดือน/ปี พ.ศ. เช่น 31/12/2568")


def parse_thai_date(raw: str | None) -> date | None:
    """models.catalogue.reading.parse_thai_date with the form's Thai hint as its ValueError."""
    try:
        return ids.parse_thai_date(raw)
    except ValueError:
        raise ValueError(str(DATE_HINT)) from None


class ThaiDateField(StringField):
    """A date typed the Thai way: 31/12/2568 (BE) — ISO 2025-12-31 is accepted too."""

    def _value(self) -> str:
        if isinstance(self.data, date):
            return ids.be_date(self.data)
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        self.data = None
        self.data = parse_thai_date(valuelist[0] if valuelist else None)


class _SeparatedNumber:
    """Numbers shown and typed with thousands separators (1,234.50), as Thai clerks write them,
    and read by models.catalogue.reading.read_number: the one reading the importer uses too, so
    the form and a file give the same value or the same refusal for the same text.

    A text input, because the browser's type=number blanks a value shown as "1,234.50".
    """

    widget = TextInput()
    python_type: type = object

    def __init__(self, *args, places: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = places          # None: a whole number

    def _value(self) -> str:
        if self.raw_data is None and isinstance(self.data, self.python_type) \
                and not isinstance(self.data, bool):
            return show_number(self.data)
        return super()._value()

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = read_number(valuelist[0], places=self.places)
            except NumberRefused as refusal:
                raise ValueError(str(refusal)) from None


class ThaiDecimalField(_SeparatedNumber, DecimalField):
    python_type = Decimal


class ThaiIntegerField(_SeparatedNumber, IntegerField):
    python_type = int


class ThaiYearField(ThaiIntegerField):
    """A Buddhist Era year: 2551, never "2,551"."""

    def _value(self) -> str:
        if self.raw_data is None and isinstance(self.data, int):
            return str(self.data)
        return super()._value()


def _coerce_enum(enum_cls):
    def coerce(value):
        if value in (None, "") or isinstance(value, enum_cls):
            return value or None
        try:
            return enum_cls(value)
        except ValueError:
            return value  # SelectField's pre_validate reports "not a valid choice"
    return coerce


def _coerce_flag(value):
    if value in (None, "", "None"):
        return None
    if isinstance(value, bool):
        return value
    return value in ("1", "true", "True")


class ColumnRules:
    """The rulebook's own checks of one column (range, pattern, size), as a WTForms validator.

    Only for a field outside the section forms, which check the whole row instead."""

    def __init__(self, column: Column) -> None:
        self.column = column

    def __call__(self, form, field) -> None:
        if field.process_errors or field.data is None:
            return  # not parsed: the field's own message says so
        message = column_message(model_of(self.column), self.column, field.data)
        if message is not None:
            raise ValidationError(message)


def label_of(info: dict[str, Any]) -> LazyString:
    """ "Label (unit)" in the request's language (forms are built once, rendered per request)."""
    return _labelled(info)


def field_for(column: Column, *, row_checked: bool = False) -> tuple[type, dict[str, Any]]:
    """(field class, kwargs) for one catalogue column.

    `row_checked`: the form runs `check_section` over the row (the section forms), so the field
    adds no validator of the column's value rules."""
    info = column.info
    kind = info["kind"]
    checks: list[Any] = [validators.Optional()]
    if not row_checked:
        checks.append(ColumnRules(column))
    kwargs: dict[str, Any] = {"label": label_of(info), "description": LazyString(gettext, info["help"]) if info.get("help") else "",
                              "validators": checks}
    render: dict[str, Any] = {}
    if info.get("widget") == "month":
        cls = SelectField
        kwargs["choices"] = choices([BLANK, *((str(n), LazyString(month_name, n))
                                              for n in range(1, 13))])
        kwargs["coerce"] = lambda v: int(v) if v not in (None, "", "None") else None
        kwargs["validate_choice"] = False  # the range rule says what is wrong, once
    elif kind == "year_be":
        cls = ThaiYearField
        render = {"inputmode": "numeric", "maxlength": 4}
    elif kind == "count":
        cls = ThaiIntegerField
        render = {"inputmode": "numeric"}
    elif kind in ("money", "decimal", "percent", "lat", "lon"):
        cls = ThaiDecimalField
        kwargs["places"] = column.type.scale
        render = {"inputmode": "decimal"}
    elif kind == "text":
        cls = StringField
        length = info.get("max_length") or getattr(column.type, "length", None)
        if length:
            render = {"maxlength": length}
        kwargs["filters"] = [lambda v: v.strip() if isinstance(v, str) else v]
    elif kind == "longtext":
        cls = TextAreaField
        render = {"rows": 3, "maxlength": info["max_length"]} if info.get("max_length") \
            else {"rows": 3}
    elif kind == "choice":
        cls = SelectField
        kwargs["choices"] = choices([BLANK, *((m.value, LazyString(lambda m=m: m.shown))
                                             for m in info["choices"])])
        kwargs["coerce"] = _coerce_enum(info["choices"])
        kwargs["validate_choice"] = True
    elif kind == "flag":
        cls = SelectField
        kwargs["choices"] = choices([("", _l("— ไม่ระบุ —")), ("1", _l("มี")), ("0", _l("ไม่มี"))])
        kwargs["coerce"] = _coerce_flag
        kwargs["validate_choice"] = False
    elif kind == "date":
        cls = ThaiDateField
        render = {"placeholder": _l("วัน/เดือน/ปี พ.ศ. เช่น 31/12/2568")}
    elif kind == "subdistrict":
        cls = SelectField
        kwargs["choices"] = [BLANK]  # filled per request with the LAO's subdistricts
        kwargs["coerce"] = lambda v: v or None
        kwargs["validate_choice"] = True
    else:  # pragma: no cover - a new kind must be given a widget here
        raise ValueError(f"no form field for kind {kind!r}")
    if info.get("required"):
        render["data-required"] = "1"
    return cls, {**kwargs, "render_kw": render}


def form_spec(model: type) -> dict[str, Any]:
    """form_columns, form_overrides, form_args and fieldsets for `model` (a section or one of its
    child rows, whose values `check_section` checks) from its metadata."""
    editable = [c for c in catalogue_columns(model)
                if not c.info.get("derived") and not c.info.get("readonly")]
    overrides, args, groups = {}, {}, {}
    for column in editable:
        cls, kwargs = field_for(column, row_checked=True)
        overrides[column.key] = cls
        args[column.key] = kwargs
        groups.setdefault(column.info.get("group") or "", []).append(column.key)
    return {"columns": [c.key for c in editable], "overrides": overrides, "args": args,
            "groups": groups}
