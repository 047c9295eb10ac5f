"""The Content-Security-Policy runs no inline script but the response's own (issue 12 item 4):
`script-src 'self' 'nonce-…'` without 'unsafe-inline', a new nonce per response, every inline
<script> of every screen carrying it, and no inline handler but the four Flask-Admin writes that
static/js/info.js takes over (tests/browser/test_csp.py clicks them)."""

from __future__ import annotations

import re

import pytest

from .browser.conftest import TAKEN_OVER

SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*("([^"]*)"|'([^']*)')""", re.I)


def _policy(response) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in response.headers["Content-Security-Policy"].split(";"))
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts if p}


def test_scripts_need_the_nonce_of_their_response(client):
    first, second = client.get("/login"), client.get("/login")
    scripts = _policy(first)["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]{20,})'", scripts).group(1)
    assert nonce not in _policy(second)["script-src"]
    assert _policy(first)["object-src"] == "'none'"


PAGES = {
    None: ["/", "/about", "/login", "/stats", "/no-such-page", "/api/v1/docs"],
    "lao": ["/admin/", "/admin/lao_years/", "/admin/lao_years/workspace/?id={sub}",
            "/admin/edit_s6/edit/?id={sub}", "/admin/lao_years/report/?id={sub}",
            "/admin/tourist_place/", "/admin/tourist_place/new/"],
    "prov-61": ["/admin/", "/admin/submission/", "/admin/submission/bulk/?year=2570",
                "/admin/auditlog/", "/admin/dashboard/"],
    "admin": ["/admin/fiscal_year/", "/admin/user/", "/admin/user/new/",
              "/admin/organization/"],
}


@pytest.mark.parametrize("who", list(PAGES), ids=lambda w: w or "anonymous")
def test_every_inline_script_carries_the_nonce_and_no_other_handler_is_inline(
        app, demo, complete_draft, who):
    from .conftest import login
    client = app.test_client()
    sub_id, clerk, _name = complete_draft
    if who:
        assert login(client, clerk if who == "lao" else who).status_code == 302
    for path in PAGES[who]:
        response = client.get(path.format(sub=sub_id), follow_redirects=True)
        assert response.status_code in (200, 404), (path, response.status_code)
        html = response.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        for attrs in SCRIPT.findall(html):
            if 'type="application/json"' in attrs:
                continue   # data for a static script (charts), never executed
            if "src=" not in attrs:
                assert f'nonce="{nonce}"' in attrs, (path, attrs)
            else:
                assert re.search(r'src="(/|\?)', attrs) or 'src="http' not in attrs, (path, attrs)
        for _q, double, single in HANDLER.findall(html):
            handler = double or single
            assert TAKEN_OVER.match(handler), (path, handler)
