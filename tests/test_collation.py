"""Thai dictionary order in SQL (issue 23): `thai_order(column)` sorts every province, district
and subdistrict name as thai_sort_key does in Python — ICU's Thai collation on PostgreSQL, the
key registered as a collation on SQLite — and the lists that show them use it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import db
from models.catalogue.collation import thai_order, thai_sort_key
from models.tables.geography import District, Province, Subdistrict


@pytest.mark.parametrize("column", [Province.name_th, District.name_th, Subdistrict.name_th],
                         ids=["provinces", "districts", "subdistricts"])
def test_sql_sorts_thai_names_as_the_dictionary_does(app, column):
    with app.app_context():
        names = db.session.scalars(select(column).order_by(thai_order(column), column)).all()
    assert len(names) > 70
    # Where ICU and the key agree that two names are equal up to marks, either order is right.
    assert [thai_sort_key(n)[0] for n in names] == sorted(thai_sort_key(n)[0] for n in names)
    provinces = names if column is Province.name_th else None
    if provinces:
        assert provinces.index("เชียงราย") < provinces.index("ตาก") \
            < provinces.index("แม่ฮ่องสอน") < provinces.index("อ่างทอง") \
            < provinces.index("อุบลราชธานี")


def _options(page: str, names: set[str]) -> list[str]:
    return [n for n in re.findall(r"<option[^>]*>([^<]+)</option>", page) if n in names]


def test_the_back_offices_province_selects_list_provinces_in_thai_order(app, demo, login_as,
                                                                         client):
    """The DLA's workbook picker and bulk page offered provinces by code (กรุงเทพมหานคร, then
    by region): a Thai officer looks a province up by its name."""
    login_as("admin")
    with app.app_context():
        names = set(db.session.scalars(select(Province.name_th)))
    for url in ("/admin/submission/?year=2570", "/admin/submission/bulk/"):
        shown = _options(client.get(url).get_data(as_text=True), names)
        assert len(shown) == 77, url
        assert shown == sorted(shown, key=thai_sort_key), url
        assert shown.index("เชียงราย") < shown.index("ตาก")
