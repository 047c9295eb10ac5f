"""The open data API (issue 10 parts 2-3): certified data only, ETag/304, Cache-Control, CORS,
a rate limit per client address, no session cookie, Thai JSON errors, keyset pages whose cost
does not depend on the page, and a browsable OpenAPI document with no CDN."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Organization, Submission, User, db
from models.services.certification import transition
from workflow import PUBLIC_STATUSES, Status

from .conftest import PASSWORD, login
from .test_query_counts import counting

API = "/api/v1"
REASON = "ข้อมูลประชากรไม่ตรง"


def _certified(app, status=Status.PROVINCE_CERTIFIED):
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.status == status, Submission.fiscal_year == 2570)
            .order_by(Submission.id)).first()
        return sub.id, sub.organization.dla_code, sub.fiscal_year


def _officer(app):
    return db.session.scalar(select(User).where(User.username == "prov-61"))


def test_organizations_walk_every_findable_lao_by_code_with_a_next_link(app, client, demo):
    with app.app_context():
        findable = set(db.session.scalars(select(Organization.dla_code).join(Submission).where(
            Submission.status.in_(list(PUBLIC_STATUSES)), Organization.district_code == "6101")))
    seen, url, pages = [], f"{API}/organizations?district=6101&limit=3", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        seen += [o["dla_code"] for o in body["items"]]
        assert all(o["district"]["code"] == "6101" and o["certified_years"] for o in body["items"])
        link = response.headers.get("Link")
        assert (link is None) == (body["next"] is None)
        url = re.match(r"<http://localhost([^>]+)>; rel=\"next\"", link).group(1) if link else None
        pages += 1
    assert seen == sorted(findable) and pages == -(-len(findable) // 3)


def test_pages_cost_the_same_statements_first_to_last(app, client, demo):
    """Keyset pagination: the last page sends exactly the statements of the first."""
    codes = client.get(f"{API}/organizations?limit=100").get_json()["items"]
    assert len(codes) > 20
    counts = []
    for after in (None, codes[10]["dla_code"], codes[-3]["dla_code"]):
        url = f"{API}/organizations?limit=2" + (f"&after={after}" if after else "")
        with counting(app) as counter:
            assert client.get(url).status_code == 200
        counts.append(len(counter.statements))
    assert counts[0] == counts[1] == counts[2] <= 3, counts


def test_a_certified_year_says_who_certified_at_which_level_when_and_its_numbers(
        app, client, demo):
    _sub_id, code, year = _certified(app)
    body = client.get(f"{API}/organizations/{code}/years/{year}").get_json()
    assert body["status"]["code"] == "province_certified"
    lao, province = body["certifications"]
    assert lao["level"] == "lao" and lao["reference"] == f"อปท. {code}/{year}-1"
    assert province["certified_by_th"] == "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดอุทัยธานี"
    assert province["reference"].startswith(f"จ. {code}/{year}-")
    assert province["certified_at"].endswith("+00:00")
    values = client.get(body["values_url"]).get_json()["values"]
    total = next(v for v in values if v["field"] == "population_total")
    assert (total["label"], total["label_en"], total["unit"], total["type"]) \
        == ("ประชากรรวม", "Population, total", "คน", "count")
    # The same records as the year's JSON download (one serializer).
    assert values == client.get(f"/orgs/{code}/{year}/data.json").get_json()["values"]


def test_statistics_are_the_stats_pages_sums(app, client, demo):
    from models.reads import public
    with app.app_context():
        expected = public.statistics(2570)
    body = client.get(f"{API}/statistics/2570").get_json()
    assert body["certified"] == expected["certified"] and body["laos"] == expected["laos"]
    assert body["figures"][0] == {"field": "section1_general.population_total",
                                  "label": "ประชากร", "unit": "คน", "value": expected["totals"][0],
                                  "aggregation": "territorial",
                                  "counted": expected["counted"][0], "of": expected["of"][0]}
    assert [p["code"] for p in body["provinces"]] == ["61"]
    assert client.get(f"{API}/statistics").get_json()["years"] == [2570, 2569, 2568]
    assert client.get(f"{API}/statistics/2500").status_code == 404


def test_etag_304_and_a_revoked_year_is_gone_at_once(app, client, demo):
    sub_id, code, year = _certified(app)
    url = f"{API}/organizations/{code}/years/{year}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    with app.app_context():
        assert transition("revoke_province", [sub_id], _officer(app), reason=REASON)[0].done
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["status"]["code"] == "lao_certified"
    with app.app_context():
        assert transition("return_to_lao", [sub_id], _officer(app), reason=REASON)[0].done
    gone = client.get(url, headers={"If-None-Match": etag})
    # Published once, withdrawn now: 410 Gone with when (issue 23), never the old answer.
    assert gone.status_code == 410 and gone.headers["Cache-Control"] == "no-store"
    assert "ถูกถอนการเผยแพร่เพื่อแก้ไขเมื่อ" in gone.get_json()["message"]


def test_cors_for_get_and_the_preflight(client, demo):
    response = client.get(f"{API}/statistics", headers={"Origin": "https://data.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(f"{API}/organizations", headers={
        "Origin": "https://data.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]


def test_no_session_cookie_even_for_a_signed_in_browser(app, demo):
    browser = app.test_client()
    assert login(browser, "admin", PASSWORD).status_code == 302
    anonymous = app.test_client()
    for url in (f"{API}/", f"{API}/organizations", f"{API}/statistics/2570",
                f"{API}/openapi.json", f"{API}/docs", f"{API}/organizations/0000000"):
        signed_in, plain = browser.get(url), anonymous.get(url)
        assert "Set-Cookie" not in signed_in.headers and "Set-Cookie" not in plain.headers, url
        assert signed_in.data == plain.data, url   # the session is not even read
        if plain.status_code == 200:
            assert signed_in.headers["Cache-Control"] == "public, max-age=60", url


def test_bad_parameters_are_400_in_thai_unknown_codes_404_and_post_405(client, demo):
    bad = client.get(f"{API}/organizations?limit=0&province=6&type=city")
    assert bad.status_code == 400
    body = bad.get_json()
    assert body["error"] == "คำขอไม่ถูกต้อง" and body["message"] == \
        "พารามิเตอร์ไม่ถูกต้อง: limit, province, type"
    assert body["errors"]["province"] == ["รหัสจังหวัดต้องเป็นตัวเลข 2 หลัก"]
    for url in (f"{API}/organizations/123", f"{API}/organizations/9999999/years/2570",
                f"{API}/organizations/2610101/years/25x0", f"{API}/nothing"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json, url
        assert response.get_json()["error"] == "ไม่พบหน้าที่ต้องการ", url
    assert client.get(f"{API}/organizations?q=" + "\x00").status_code == 400
    post = client.post(f"{API}/organizations", data={"x": "1"})
    assert post.status_code == 405 and post.get_json()["error"] == "วิธีการเรียกไม่ถูกต้อง"


def test_the_rate_limit_answers_429_in_json_with_retry_after(database_url, demo):
    from app import create_app
    limited = create_app({"INFO_MODE": "test", "TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": database_url,
                          "RATELIMIT_STORAGE_URI": "memory://", "API_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    codes = [client.get(f"{API}/statistics").status_code for _ in range(3)]
    refused = client.get(f"{API}/organizations")   # one bucket for the whole API
    assert codes == [200, 200, 200] and refused.status_code == 429
    assert refused.get_json()["error"] == "เรียกใช้งานถี่เกินไป"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Cache-Control"] == "no-store"
    other = client.get(f"{API}/statistics", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200   # per client address
    assert client.get("/").status_code == 200   # the rest of INFO is not limited by it


def test_the_document_is_generated_and_the_docs_page_uses_no_cdn(app, client, demo):
    spec = client.get(f"{API}/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        f"{API}/", f"{API}/organizations", f"{API}/organizations/{{dla_code}}",
        f"{API}/organizations/{{dla_code}}/years/{{be_year}}",
        f"{API}/organizations/{{dla_code}}/years/{{be_year}}/values",
        f"{API}/statistics", f"{API}/statistics/{{be_year}}"}
    listing = spec["paths"][f"{API}/organizations"]
    names = {p["name"] for p in listing.get("parameters", []) + listing["get"]["parameters"]}
    assert names == {"q", "province", "district", "type", "after", "limit", "If-None-Match"}
    assert "304" in listing["get"]["responses"] and "400" in listing["get"]["responses"]
    page = client.get(f"{API}/docs").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert all('src="/' in attrs for attrs in scripts), scripts   # no inline script, no CDN
    assert 'src="/vendor/swagger-ui-bundle.js"' in page and "/vendor/swagger-ui.css" in page
    assert 'src="/static/js/api-docs.js"' in page
    assert not re.search(r"(src|href)=\"https?://", page.split("<footer")[0])
    for url in ("/about", "/"):
        assert 'href="/api/v1/docs"' in client.get(url).get_data(as_text=True), url


def test_a_304_of_a_years_values_reads_no_section_table(app, client, demo):
    """The values' validator comes from the submission row (models/public.year_etag): a client
    that has the answer gets its 304 without a single section or child-table read; a revoked
    and re-certified year has a new validator and its values again."""
    from models.tables.sections import CHILDREN, SECTIONS
    tables = {m.__tablename__ for s_ in SECTIONS
              for m in (s_, *(c for _n, c in CHILDREN.get(s_, ())))}
    sub_id, code, year = _certified(app)
    url = f"{API}/organizations/{code}/years/{year}/values"
    first = client.get(url)
    etag = first.headers["ETag"]
    with counting(app) as counter:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    read = [s for s in counter.statements if any(f" {t}" in s or f'"{t}"' in s for t in tables)]
    assert read == [], read
    with app.app_context():
        assert transition("revoke_province", [sub_id], _officer(app), reason=REASON)[0].done
        assert transition("certify_province", [sub_id], _officer(app))[0].done
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["values"] == first.get_json()["values"]
