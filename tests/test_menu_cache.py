"""The back office's main menu is drawn once per role, language and current view
(views/presentation.cached_menu): whatever was drawn before, each user sees exactly the menu
an uncached drawing gives them."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

NAVBAR = re.compile(r'id="admin-navbar-collapse">(.*?)<span class="navbar-text text-size',
                    re.S)
PAGES = ("/admin/", "/admin/submission/?flt0_0=2570", "/admin/lao_years/")
USERS = ("admin", "prov-61", "dist-6101")


def _menus(app, clients, *, cached: bool) -> dict:
    menus = {}
    for name, client in clients.items():
        for page in PAGES:
            if not cached:
                app.extensions.pop("info_menu_cache", None)
            answer = client.get(page)
            if answer.status_code != 200:
                continue
            menus[name, page] = NAVBAR.search(answer.get_data(as_text=True)).group(1)
    return menus


@pytest.fixture()
def clients(app, demo, complete_draft):
    users = {u: u for u in USERS}
    users["clerk"] = complete_draft[1]
    found = {}
    for name, username in users.items():
        client = app.test_client()
        assert login(client, username).status_code == 302
        found[name] = client
    english = app.test_client()
    assert login(english, "prov-61").status_code == 302
    english.get("/lang/en")
    found["prov-61 in English"] = english
    return found


def test_every_role_sees_its_own_menu_whatever_was_drawn_before(app, clients):
    truth = _menus(app, clients, cached=False)
    # Drawn in the opposite order with the cache kept: the dla_admin's menu is drawn first.
    reordered = dict(reversed(list(clients.items())))
    assert _menus(app, reordered, cached=True) == truth
    assert _menus(app, clients, cached=True) == truth
    # Not vacuous: the menus differ by role, by language and by the current page.
    assert truth["admin", "/admin/"] != truth["prov-61", "/admin/"]
    assert truth["prov-61", "/admin/"] != truth["clerk", "/admin/"]
    assert truth["prov-61", "/admin/"] != truth["prov-61 in English", "/admin/"]
    assert truth["prov-61", "/admin/"] != truth["prov-61", "/admin/submission/?flt0_0=2570"]
