"""No 500 for any input (issue 12 part 3): the inputs a fuzzer found — an enum filter value that
is not a member, page numbers out of range, a 20-digit year, NUL bytes in search, filters and
the login, a header-splitting next= — each get a clear answer and write nothing."""

from __future__ import annotations

import pytest

from .conftest import csrf_token, login

LIST = "/admin/submission/"
NASTY_PARAMS = [
    {"flt0_3": "not-a-status"},             # enum filter, not a member
    {"flt0_2": "x" * 40},                    # org type filter, not a member
    {"page": "99999999999999999999"},
    {"page": "-1"},
    {"page": "abc"},
    {"flt0_0": "9" * 20},                    # a 20-digit year
    {"flt0_0": "-5"},
    {"search": "น้ำ\x00ซึม"},
    {"flt0_1": "61\x0001"},
    {"sort": "99"}, {"sort": "-1"}, {"desc": "x"},
]


@pytest.mark.parametrize("params", NASTY_PARAMS, ids=lambda p: repr(p)[:40])
@pytest.mark.parametrize("username", ["prov-61", "admin"])
def test_list_parameters_never_give_a_500(app, demo, params, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    response = client.get(LIST, query_string=params)
    assert response.status_code in (200, 302, 400, 404), (params, response.status_code)
    export = client.get(LIST + "export/csv/", query_string=params)
    assert export.status_code in (200, 302, 400, 404), (params, export.status_code)


@pytest.mark.parametrize("username", ["nobody\x00", "admin\x00", "\x00", "ผู้ใช้\x00ไทย"])
def test_nul_bytes_in_the_login_are_refused_not_a_500(app, demo, username):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": username, "password": "x\x00y",
                                           "csrf_token": token})
    assert response.status_code in (200, 400)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True) \
        or response.status_code == 400


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:x=1", "/\r\nX: y", "//evil.example",
                                    "/\x00", "javascript:alert(1)"])
def test_language_switch_next_cannot_split_headers_or_leave_the_site(client, target):
    response = client.get("/lang/th", query_string={"next": target})
    if "\x00" in target:
        assert response.status_code == 400  # NUL is refused everywhere, up front
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil" not in location
    assert location.startswith("/") and not location.startswith("//")
