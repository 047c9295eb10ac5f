"""Fuzzing every list, export and record URL of the back office (issue 12 item 3): hypothesis
draws query strings — page numbers of any size and sign, sort columns, search text in Thai and
every other script, NUL and control characters, each filter of the view with values of any
kind — and an officer and the DLA administrator send them.  None may get a 5xx, and none may
change a row.  The number of requests sent and of server errors is printed at the end of the run
(tests/conftest.py `pytest_terminal_summary`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import AuditLog, CertificationEvent, Submission, User, db

from .conftest import login

EXAMPLES = 150

# Values that broke lists before (issue 12) and their neighbours, mixed with anything at all.
_NASTY = st.sampled_from([
    "99999999999999999999", "-1", "0", "-99999999999999999999", "1e9", "NaN", "0x10", "",
    " ", "٣", "๒๕๗๐", "2570", "9" * 40, "' OR 1=1 --", "%00", "\x00", "\r\nX: y", "null",
    "draft", "province_certified", "SAO", "61", "6101", "1,2", "[]", "{}", "..", "/", "ก" * 300,
])
VALUE = st.one_of(_NASTY, st.integers(-10**25, 10**25).map(str), st.text(max_size=60))


def _list_urls(app) -> list[tuple[str, list[str]]]:
    """(list URL, its filter argument names) of every model view, and its export URL."""
    admin = app.extensions["admin"][0]
    found = []
    with app.test_request_context():
        from flask import url_for
        for view in admin._views:
            if not hasattr(view, "_filter_args") or not getattr(view, "model", None):
                continue
            names = [f"flt{n}_{arg}" for n, arg in enumerate(view._filter_args or {})]
            found.append((url_for(f"{view.endpoint}.index_view"), names))
            if getattr(view, "can_export", False):
                found.append((url_for(f"{view.endpoint}.export", export_type="csv"), names))
    return found


def _fingerprint() -> tuple:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Submission, AuditLog, CertificationEvent, User)) + (
        db.session.scalar(select(func.sum(Submission.version))),)


@pytest.mark.parametrize("username", ["prov-61", "admin"])
def test_no_list_export_or_record_url_gives_a_5xx_or_writes(app, demo, username,
                                                             record_property):
    client = app.test_client()
    assert login(client, username).status_code == 302
    urls = _list_urls(app)
    assert len(urls) >= 10
    with app.app_context():
        before = _fingerprint()
    sent, errors = [0], []

    @st.composite
    def requests(draw):
        url, filters = draw(st.sampled_from(urls))
        names = draw(st.lists(st.sampled_from(
            ["page", "page_size", "sort", "desc", "search", "id", *filters]), max_size=5))
        return url, {name: draw(VALUE) for name in names}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(requests())
    def send(request):
        url, params = request
        response = client.get(url, query_string=params)
        sent[0] += 1
        if response.status_code >= 500:
            errors.append((url, params, response.status_code))
        assert response.status_code < 500, (url, params)

    send()
    record_property("fuzz_requests", sent[0])
    record_property("fuzz_server_errors", len(errors))
    assert errors == []
    with app.app_context():
        assert _fingerprint() == before


def test_no_section_form_post_gives_a_5xx_or_half_a_save(app, client, clerk, record_property):
    """The 8 section forms of a clerk's draft, each field drawn from anything at all: the
    answer is a save (302) or the form again with a message (200), never a 5xx, and a refused
    post leaves the section's version as it was."""
    from models.tables.sections import SECTIONS
    from .formdata import form_fields
    sent, errors, outcomes = [0], [], {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.integers(1, len(SECTIONS)), st.data())
    def send(no, data):
        url = f"/admin/edit_s{no}/edit/?id={clerk}"
        fields = form_fields(client.get(url).get_data(as_text=True))
        editable = sorted(k for k in fields if k != "csrf_token")
        # Positions, not names: a save that adds child rows changes the form's field list,
        # and hypothesis needs the same draws to mean the same thing.
        for position in data.draw(st.lists(st.integers(0, 10_000), max_size=4)):
            fields[editable[position % len(editable)]] = data.draw(VALUE)
        with app.app_context():
            before = db.session.get(SECTIONS[no - 1], clerk).version
        response = client.post(url, data=fields)
        sent[0] += 1
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            errors.append((no, fields))
        assert response.status_code in (200, 302, 400), (no, response.status_code)
        if response.status_code != 302:
            with app.app_context():
                assert db.session.get(SECTIONS[no - 1], clerk).version == before

    send()
    record_property("fuzz_requests", sent[0])
    record_property("fuzz_server_errors", len(errors))
    assert errors == []
    # Both answers happened: the drawn values were sometimes saved, sometimes refused.
    assert outcomes.get(302, 0) > 0 and outcomes.get(200, 0) > 0, outcomes


def test_no_public_form_or_lookup_gives_a_5xx_or_half_a_request(app, demo, record_property):
    """The public inputs a stranger can reach: the สมัครสมาชิก form (every field drawn from
    anything), its LAO lookup, a set-password link with any token, the public search and the
    API's list filters. No 5xx; a refused registration files no request."""
    from models import AccountRequest
    from .conftest import csrf_token
    client = app.test_client()
    token = csrf_token(client, "/register")
    fields = ["full_name", "position", "phone", "email", "username", "dla_code"]
    sent, errors = [0], []

    def requests_filed() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AccountRequest))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(["register", "lookup", "password", "search", "api"]), st.data())
    def send(kind, data):
        if kind == "register":
            form = {name: data.draw(VALUE) for name in fields}
            before = requests_filed()
            response = client.post("/register", data={"csrf_token": token, **form})
            if response.status_code != 200 or "ส่งคำขอสมัครสมาชิกแล้ว" not in \
                    response.get_data(as_text=True):
                assert requests_filed() == before, form
        elif kind == "lookup":
            response = client.get("/register/organizations", query_string={"q": data.draw(VALUE)})
        elif kind == "password":
            response = client.get("/password/" + data.draw(VALUE).replace("/", "")[:80] + "x")
        elif kind == "search":
            response = client.get("/", query_string={n: data.draw(VALUE) for n in data.draw(
                st.lists(st.sampled_from(["q", "province", "district", "type", "page"]),
                         max_size=4))})
        else:
            response = client.get("/api/v1/organizations", query_string={n: data.draw(VALUE)
                                  for n in data.draw(st.lists(st.sampled_from(
                                      ["q", "province", "district", "type", "after", "limit"]),
                                      max_size=4))})
        sent[0] += 1
        if response.status_code >= 500:
            errors.append((kind, response.status_code))
        assert response.status_code < 500, kind

    send()
    record_property("fuzz_requests", sent[0])
    record_property("fuzz_server_errors", len(errors))
    assert errors == []
