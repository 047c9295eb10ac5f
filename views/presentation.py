"""How values look on a screen: labelled enums and badges, BE dates, Bangkok times, numbers.

One home for presentation: Flask-Admin's column formatters, the templates (through the filters
and globals `init_templates` registers) and the report all format a value the same way.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, request
from flask_admin.model.typefmt import BASE_FORMATTERS
from flask_login import current_user
from markupsafe import Markup, escape

from models.tables.sections import SECTIONS
from flask_babel import gettext as _

from workflow import (BANGKOK, SECTION_COUNT, Action, LabeledEnum, Permission, Status, may,
                      month_name, thai_date)

from .i18n import catalogue_text, current_lang


def thai_datetime(value: datetime | None) -> str:
    """16 ธ.ค. 2569 10:06 — Bangkok time, Buddhist Era, the style used across INFO."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M}"


def enum_label(value: Any) -> str:
    """The name of an enum member in the request's language."""
    if isinstance(value, LabeledEnum):
        return value.label(current_lang())
    if isinstance(value, enum.Enum):
        return str(value.value)
    return "" if value is None else str(value)


def badge(value: LabeledEnum, text: Any = None, title: str | None = None) -> Markup:
    """A Bootstrap badge in the member's colour, reading its label (or `text`)."""
    shown = enum_label(value) if text is None else text
    # f-strings with escape(): Markup.format goes through string.Formatter, slow in a
    # list's 50 rows
    if title:
        return Markup(f'<span class="badge badge-{escape(value.badge)}" '
                      f'title="{escape(title)}">{escape(shown)}</span>')
    return Markup(f'<span class="badge badge-{escape(value.badge)}">{escape(shown)}</span>')


def standing_cell(standing: Any) -> Markup:
    """Where an LAO-year stands, for a list cell: the badge of its status or of ส่งคืนให้แก้ไข,
    then why, by whom and when it was returned and until when the LAO may correct.
    `standing` is a models.reads.standing.Standing or a progress.LaoRow (the same fields)."""
    lines = []
    note = standing.returned
    if note is not None:
        lines.append(Markup("{} {}").format(_("เหตุผล:"), note.reason))
        by = note.by or (enum_label(note.role) if note.role else "")
        lines.append(Markup("{} {} · {}").format(_("ส่งคืนโดย"), by, thai_datetime(note.at)))
    if standing.extension_until is not None and standing.status is Status.DRAFT:
        lines.append(Markup("{} {}").format(_("ขยายเวลาถึง"),
                                            thai_date(standing.extension_until)))
    shown = badge(standing.shown)
    if not lines:
        return shown
    return shown + Markup('<div class="small info-standing">{}</div>').format(
        Markup("<br>").join(lines))


def display(value: Any, info: dict[str, Any] | None = None) -> str:
    """A stored value as the workspace and the report show it (Thai, BE, separators); `info`,
    the column's metadata, says when a number is a BE year (2551) or a month (พฤษภาคม)."""
    if value is None or value == "":
        return "–"
    if info and isinstance(value, int) and not isinstance(value, bool):
        if info.get("widget") == "month" and 1 <= value <= 12:
            return month_name(value)
        if info.get("kind") == "year_be":
            return str(value)
    if isinstance(value, bool):
        return _("มี") if value else _("ไม่มี")
    if isinstance(value, enum.Enum):
        return enum_label(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,}"  # the column's own scale: coordinates keep their 6 places
    if isinstance(value, datetime):
        return thai_datetime(value)
    if isinstance(value, date):
        return thai_date(value)
    return str(value)


def figure(value: Any, places: int = 0) -> str:
    """A headline figure or a ratio with `places` decimals and separators ("–" when none)."""
    if value is None:
        return "–"
    return f"{Decimal(str(value)):,.{places}f}"


def sections_badge(count: int) -> Markup:
    """ "5/8" in green when every section is complete, amber otherwise."""
    css = "success" if count == SECTION_COUNT else "warning"
    return Markup(f'<span class="badge badge-{css}">{escape(count)}/{SECTION_COUNT}</span>')


def section_title(section_cls: type, lang: str | None = None) -> str:
    """The short name of a section for tabs ("สภาพทั่วไป", "General information")."""
    if (lang or current_lang()) == "en":
        return section_cls.TITLE_EN
    return section_cls.TITLE_TH.replace("ข้อมูลด้าน", "").replace("ข้อมูล", "")


def section_heading(section_cls: type) -> str:
    """The full name of a section ("ข้อมูลสภาพทั่วไป", "General information")."""
    return section_cls.TITLE_EN if current_lang() == "en" else section_cls.TITLE_TH


# Flask-Admin column_type_formatters: BE dates, Bangkok times, labels of enums.
TYPE_FORMATTERS = {
    **BASE_FORMATTERS,
    datetime: lambda view, value, name: thai_datetime(value),
    date: lambda view, value, name: thai_date(value),
    enum.Enum: lambda view, value, name: enum_label(value),
}


def enum_options(enum_cls: type) -> Any:
    """A filter's options for a labelled enum, read when the menu is drawn (the request's
    language): [(value, label), …]."""
    return lambda: [(member.value, member.shown) for member in enum_cls]


def csp_nonce() -> str:
    """This response's script nonce, made on first use: app.py's Content-Security-Policy
    allows the <script> tags that carry it (`nonce="{{ csp_nonce() }}"`, Flask-Admin's own
    through `csp_nonce_generator`)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def cached_menu(admin_view: Any, render: Any) -> Markup:
    """The back office's main menu, rendered once per role, language and current view in each
    process (`render`: the template's main_menu block).  What it holds depends on nothing
    else: an item is shown when its view's is_accessible() (signed in, active, the role:
    views/base.RoleGated) and is_visible() (fixed per view) say so, marked active by the
    current view, named in the request's language.  Drawing it walked ~40 views' access
    checks and url_for calls on every page: ~0.6 ms of CPU (bench/bench_cpu.py)."""
    signed_in = current_user.is_authenticated and current_user.is_active
    key = (str(current_user.role) if signed_in else None, current_lang(),
           getattr(admin_view, "endpoint", None), request.script_root)
    cache = current_app.extensions.setdefault("info_menu_cache", {})
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(render())
    return html


def local_name(place) -> str:
    """An LAO's, a province's or a district's name in the page's language: its English name in
    English where it has one, its Thai name otherwise (issue 23: names stayed Thai)."""
    if place is None:
        return ""
    english = getattr(place, "name_en", None)
    return english if english and current_lang() == "en" else place.name_th


def init_templates(app: Flask) -> None:
    """Register the filters and globals every template uses."""
    app.add_template_filter(local_name, "name")
    app.add_template_filter(lambda d: thai_date(d) if d else "", "thai_date")
    app.add_template_filter(thai_datetime, "thai_datetime")
    app.add_template_filter(display, "display")
    app.add_template_filter(figure, "figure")
    app.add_template_filter(enum_label, "label")
    app.add_template_filter(badge, "badge")
    app.jinja_env.globals.update(
        may=lambda what: may(current_user, what),
        Permission=Permission, Status=Status, Action=Action,
        SECTION_COUNT=SECTION_COUNT, SECTIONS=SECTIONS, section_title=section_title,
        section_heading=section_heading, catalogue_text=catalogue_text,
        sections_badge=sections_badge, standing_cell=standing_cell, zip=zip, csp_nonce=csp_nonce, cached_menu=cached_menu)
