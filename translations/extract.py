"""pybabel extraction for INFO's Python sources: gettext calls, and the field catalogue's texts.

Babel's own Python extractor finds `_()`, `gettext()`, `lazy_gettext()`, `ngettext()` and the
no-op marker `N_()`.  The field catalogue (models/catalogue/columns.py helpers in models/tables/sections.py …)
passes its help text, fieldset group, unit and range message as keyword arguments
(`help="…"`, `group="…"`, `unit="…"`, `range_message="…"`) and its value rules their
message templates (`message="… {value}"`, models/catalogue/rule_kinds.py); they are stored in `Column.info`
untranslated (exports stay Thai) and translated where a screen shows them
(views/i18n.catalogue_text).  This extractor yields those keyword strings too, so one
`pybabel extract` sees every msgid.  Labels are not extracted: they are bilingual pairs already
(label_th / label_en).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from babel.messages.extract import extract_python

# Keyword arguments of the catalogue helpers whose Thai text a screen shows.
CATALOGUE_KEYWORDS = ("help", "group", "unit", "range_message", "message")


def catalogue_strings(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every catalogue keyword argument given as a string literal."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in CATALOGUE_KEYWORDS and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    yield keyword.value.lineno, keyword.value.value
        elif isinstance(node, ast.Dict):
            # info={"label_th": …, "help": "…"} on plain mapped_columns
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in CATALOGUE_KEYWORDS \
                        and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.lineno, value.value


def extract_info(fileobj: Any, keywords: Any, comment_tags: Any, options: dict) -> Iterator:
    """Babel extraction method: Babel's Python extractor plus the catalogue's keyword texts."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    encoding = options.get("encoding", "utf-8")
    for lineno, text in catalogue_strings(fileobj.read().decode(encoding)):
        yield lineno, None, text, []
