"""Thai wherever a Thai user reads: every list header of every back-office view, the enum
values in the lists, for the roles that open them."""

from __future__ import annotations

import re

import pytest
from flask_admin.contrib.sqla import ModelView

from workflow import Role

from .conftest import login

THAI = re.compile(r"[\u0E00-\u0E7F]")
USERS = {Role.DLA_ADMIN: "admin", Role.PROVINCE_OFFICER: "prov-61",
         Role.DISTRICT_OFFICER: "dist-6101"}


def _headers(html: str) -> list[str]:
    cells = re.findall(r'<th class="column-header[^"]*"[^>]*>(.*?)</th>', html, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in cells]


@pytest.mark.parametrize("role", list(USERS), ids=str)
def test_every_list_header_is_thai(app, demo, role):
    admin = app.extensions["admin"][0]
    client = app.test_client()
    assert login(client, USERS[role]).status_code == 302
    english = []
    for view in admin._views:
        if not isinstance(view, ModelView) or role not in view.roles or not view.is_visible():
            continue
        html = client.get(f"/admin/{view.endpoint}/").get_data(as_text=True)
        if 'class="column-header' not in html:
            html = client.get(f"/admin/{view.endpoint}/", follow_redirects=True).get_data(
                as_text=True)
        english += [f"{view.endpoint}: {h}" for h in _headers(html) if h and not THAI.search(h)]
    assert english == []
