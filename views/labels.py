"""Labels for views, read from the models' column metadata in the current language."""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Any

from flask import has_request_context
from flask_admin.model.typefmt import BASE_FORMATTERS
from flask_babel import LazyString, get_locale

from workflow import BANGKOK, thai_date


def current_lang() -> str:
    if not has_request_context():
        return "th"
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "th"


def bilingual(th: str, en: str) -> LazyString:
    """A string that renders in Thai or English depending on the request's language."""
    return LazyString(lambda: en if current_lang() == "en" else th)


def column_labels(model: type, **extra: tuple[str, str]) -> dict[str, Any]:
    """{column: lazy label} for every mapped column that carries label_th/label_en."""
    labels: dict[str, Any] = {}
    for column in model.__table__.columns:
        info = column.info
        if "label_th" in info:
            label_th, label_en = info["label_th"], info.get("label_en", info["label_th"])
            if info.get("unit"):
                label_th, label_en = f"{label_th} ({info['unit']})", f"{label_en} ({info['unit']})"
            labels[column.key] = bilingual(label_th, label_en)
    for name, (th, en) in extra.items():
        labels[name] = bilingual(th, en)
    return labels


def column_descriptions(model: type) -> dict[str, str]:
    return {c.key: c.info["help"] for c in model.__table__.columns if c.info.get("help")}




def thai_datetime(value: datetime | None) -> str:
    """16 ธ.ค. 2569 10:06 — Bangkok time, Buddhist Era, the style used across INFO."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M}"


def _enum_label(view, value: enum.Enum, name: str) -> str:
    return getattr(value, "label_th", None) or str(value.value)


# Flask-Admin column_type_formatters: BE dates, Bangkok times, Thai labels of enums.
TYPE_FORMATTERS = {
    **BASE_FORMATTERS,
    datetime: lambda view, value, name: thai_datetime(value),
    date: lambda view, value, name: thai_date(value),
    enum.Enum: _enum_label,
}
