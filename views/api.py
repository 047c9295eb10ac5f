"""The open data API under /api/v1 (issue 10, SPEC §4.3): certified LAO-years only, read-only.

flask-smorest builds the OpenAPI 3 document (/api/v1/openapi.json) from the routes and the
marshmallow schemas of views/api_schemas.py, which also parse the query strings; /api/v1/docs
renders it with swagger-ui served by INFO itself (/vendor/…, no CDN).

What every answer has in common (`_http_caching`, `init_api`):
- only PUBLIC_STATUSES data: every read goes through models/reads/public.py;
- `ETag` = a hash of the body itself (Werkzeug's `add_etag`) — for a year's values, the year's own
  validator `public.year_etag` (read before the sections: a 304 reads none) — so a revoked LAO-year changes the
  answer at once; `If-None-Match` → 304; `Cache-Control: public, max-age=API_CACHE_SECONDS`;
- CORS for GET from any origin (flask-cors), preflight answered;
- a rate limit per client address (`API_RATE_LIMIT`, the Flask-Limiter of views/auth.py), 429
  as JSON with Retry-After;
- no session: API requests neither read nor set the session cookie, so an answer is the same
  for everybody and a proxy may keep it;
- errors are JSON with a Thai message: 400 for a bad parameter, 404 for an unknown code/year.
"""

from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, g, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_cors import CORS
from flask_smorest import Api, Blueprint, abort
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from models.reads import public
from models.catalogue.reading import parse_code, parse_year
from models.reads.overview import SubmissionOverview
from workflow import Action, Status

from . import api_schemas as s
from .auth import limiter
from .errors import MESSAGES, error_headers

PREFIX = "/api/v1"
# Path parameters; the examples are a certified LAO-year of the demo (อบจ.อุทัยธานี, 2569).
DLA_CODE = {"in": "path", "name": "dla_code", "description": "รหัส อปท. 7 หลัก",
            "schema": {"type": "string"}, "example": "2610101"}
BE_YEAR = {"in": "path", "name": "be_year", "description": "ปีงบประมาณ พ.ศ. 4 หลัก (เช่น 2570)",
           "schema": {"type": "string"}, "example": "2569"}
NOT_CERTIFIED = "ไม่พบข้อมูลที่รับรองแล้วของ อปท. รหัส {code} ปีงบประมาณ {year}"


class InfoApi(Api):
    """flask-smorest's Api, documenting INFO's error body and leaving the error handlers to
    INFO (the library's own would take over every error page of the application)."""

    ERROR_SCHEMA = s.ErrorOut

    def _register_error_handlers(self):
        pass


class ApiBlueprint(Blueprint):
    """A bad query parameter is a 400 (webargs' default 422 is for request bodies)."""

    ARGUMENTS_PARSER = FlaskParser()
    ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS = 400


bp = ApiBlueprint("api", __name__, url_prefix=PREFIX,
                  description="ข้อมูลเปิดของ อปท. เฉพาะปีที่รับรองข้อมูลแล้ว (อ่านอย่างเดียว)")
# The document and its browsable page: outside the document itself.
docs = FlaskBlueprint("api_docs", __name__, url_prefix=PREFIX)

# Every GET answers If-None-Match with a 304 (`_http_caching` below); the document says so.
# (The header goes with each route's parameters: `bp.doc(parameters=…)` would replace the
# query parameters flask-smorest documents from the schema.)
IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False,
                 "schema": {"type": "string"},
                 "description": "ETag ของคำตอบที่เก็บไว้: ได้ 304 เมื่อข้อมูลยังไม่เปลี่ยน"}
# …and every 200 carries the validator and the cache lifetime (schemathesis checks they do).
CACHE_HEADERS = {
    "ETag": {"description": "ค่าแฮชของเนื้อหาคำตอบ", "required": True,
             "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=…", "required": True,
                      "schema": {"type": "string"}},
}
_conditional = bp.doc(
    responses={"304": {"description": "ข้อมูลไม่เปลี่ยน (ETag ตรงกับ If-None-Match)"}})

# One bucket per client address for the whole API (read when a request comes, so each app's
# API_RATE_LIMIT counts).  Decorated once, at import: the limiter outlives the apps tests build.
_rate_limit = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api",
                                   methods=["GET", "HEAD"])
_rate_limit(bp)
_rate_limit(docs)


# --- the endpoints -------------------------------------------------------------------------

@bp.route("/", parameters=[IF_NONE_MATCH])
@_conditional
@bp.response(200, s.IndexOut, headers=CACHE_HEADERS)
def index():
    """ทางเข้า API: ที่อยู่ของเอกสาร OpenAPI และรายการข้อมูล"""
    return dict(openapi=url_for("api_docs.openapi_json"), docs=url_for("api_docs.browser"),
                organizations=url_for("api.organizations"), statistics=url_for("api.statistics"))


@bp.route("/organizations", parameters=[IF_NONE_MATCH])
@_conditional
@bp.arguments(s.OrganizationQuery, location="query", as_kwargs=True)
@bp.response(200, s.OrganizationPage, headers={**CACHE_HEADERS, "Link": {
    "description": 'หน้าถัดไป: <…?after=…>; rel="next"', "schema": {"type": "string"}}})
def organizations(limit: int, q: str = "", province: str | None = None,
                  district: str | None = None, type=None, after: str | None = None):
    """อปท. ที่มีปีที่รับรองข้อมูลแล้ว เรียงตามรหัส อปท. ทีละหน้า (ตัวชี้ after)"""
    rows = public.organizations_after(after, limit + 1, q, province, district, type)
    more, rows = len(rows) > limit, rows[:limit]
    years = public.certified_years([o.id for o in rows])
    following = rows[-1].dla_code if more else None
    headers = {}
    if following:
        args = {**request.args.to_dict(), "after": following}
        headers["Link"] = f'<{url_for("api.organizations", _external=True, **args)}>; rel="next"'
    return dict(items=[_organization(o, years[o.id]) for o in rows], next=following), 200, headers


@bp.route("/organizations/<dla_code>", parameters=[DLA_CODE, IF_NONE_MATCH])
@_conditional
@bp.response(200, s.OrganizationDetail, headers=CACHE_HEADERS)
@bp.alt_response(404, schema=s.ErrorOut, description="ไม่พบ อปท. ที่รับรองข้อมูลแล้ว")
def organization(dla_code: str):
    """อปท. หนึ่งแห่งและปีงบประมาณที่รับรองข้อมูลแล้ว"""
    org = public.public_organization(parse_code(dla_code, digits=7) or "")
    if org is None:
        abort(404, message=f"ไม่พบ อปท. รหัส {dla_code[:20]} ที่รับรองข้อมูลแล้ว")
    subs = public.certified_years([org.id])[org.id]
    return {**_organization(org, subs),
            "years": [dict(fiscal_year=sub.fiscal_year, status=_status(sub.status),
                           url=url_for("api.organization_year", dla_code=org.dla_code,
                                       be_year=sub.fiscal_year)) for sub in subs]}


@bp.route("/organizations/<dla_code>/years/<be_year>",
          parameters=[DLA_CODE, BE_YEAR, IF_NONE_MATCH])
@_conditional
@bp.response(200, s.SubmissionOut, headers=CACHE_HEADERS)
@bp.alt_response(404, schema=s.ErrorOut, description="ไม่พบปีที่รับรองข้อมูลแล้ว")
@bp.alt_response(410, schema=s.ErrorOut,
                 description="ปีที่เคยเผยแพร่ ถูกถอนออกเพื่อแก้ไขแล้ว (บอกเวลาที่ถอน)")
def organization_year(dla_code: str, be_year: str):
    """ปีที่รับรองข้อมูลแล้วของ อปท.: สถานะ ระดับที่รับรอง เมื่อใด และหมายเลขการรับรอง"""
    sub = _certified(dla_code, be_year)
    org = sub.organization
    return dict(organization=_organization(org, public.certified_years([org.id])[org.id]),
                fiscal_year=sub.fiscal_year, status=_status(sub.status),
                certifications=_certifications(sub),
                values_url=url_for("api.organization_year_values", dla_code=org.dla_code,
                                   be_year=sub.fiscal_year))


@bp.route("/organizations/<dla_code>/years/<be_year>/values",
          parameters=[DLA_CODE, BE_YEAR, IF_NONE_MATCH])
@_conditional
@bp.response(200, s.ValuesOut, headers=CACHE_HEADERS)
@bp.alt_response(404, schema=s.ErrorOut, description="ไม่พบปีที่รับรองข้อมูลแล้ว")
@bp.alt_response(410, schema=s.ErrorOut,
                 description="ปีที่เคยเผยแพร่ ถูกถอนออกเพื่อแก้ไขแล้ว (บอกเวลาที่ถอน)")
def organization_year_values(dla_code: str, be_year: str):
    """ข้อมูล 8 ด้านของปีที่รับรองแล้ว พร้อมรหัสข้อมูล ชื่อไทย/อังกฤษ หน่วย ชนิด และแถวของตารางย่อย
    (ชุดเดียวกับไฟล์ JSON ที่ดาวน์โหลดจากหน้าปีงบประมาณ)"""
    sub = _certified(dla_code, be_year)
    # The validator is known from the submission row: a matching If-None-Match is answered
    # before any section table is read.
    tag = g.api_etag = public.year_etag(sub)
    if request.if_none_match.contains(tag):
        return Response(status=304)
    return dict(dla_code=sub.organization.dla_code, fiscal_year=sub.fiscal_year,
                status=_status(sub.status),
                values=public.year_records(SubmissionOverview.load(sub, public=True)))


@bp.route("/statistics", parameters=[IF_NONE_MATCH])
@_conditional
@bp.response(200, s.StatisticsYears, headers=CACHE_HEADERS)
def statistics():
    """ปีงบประมาณที่มีสถิติจากข้อมูลที่รับรองแล้ว"""
    return dict(years=public.stat_years())


@bp.route("/statistics/<be_year>", parameters=[BE_YEAR, IF_NONE_MATCH])
@_conditional
@bp.response(200, s.StatisticsOut, headers=CACHE_HEADERS)
@bp.alt_response(404, schema=s.ErrorOut, description="ไม่มีข้อมูลที่รับรองแล้วในปีนี้")
def statistics_year(be_year: str):
    """ผลรวมระดับประเทศและรายจังหวัดของข้อมูลที่รับรองแล้ว (เช่นเดียวกับหน้า /stats)"""
    year = parse_year(be_year)
    if year is None or year not in public.stat_years():
        abort(404, message=f"ไม่มีข้อมูลที่รับรองแล้วในปีงบประมาณ {be_year[:20]}")
    stats = public.statistics(year)
    return dict(fiscal_year=year, laos=stats["laos"], certified=stats["certified"],
                fire_engines=stats["fire_engines"],
                figures=_figures(stats["totals"], stats["counted"], stats["of"]),
                provinces=[dict(code=p["code"], name_th=p["name"], laos=p["laos"],
                                certified=p["certified"], fire_engines=p["fire_engines"],
                                figures=_figures(p["sums"], p["counted"],
                                                 [p["laos_below"] if a == "territorial"
                                                  else p["laos"] for a in stats["aggregates"]]))
                           for p in stats["provinces"]])


@docs.route("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document, generated from the routes and schemas above."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


@docs.route("/docs")
def browser():
    """The document as a browsable page (swagger-ui from /vendor, started by a static script)."""
    return render_template("api/docs.html")


# --- answers ---------------------------------------------------------------------------------

def _certified(dla_code: str, be_year: str):
    year = parse_year(be_year)
    sub = public.public_submission(parse_code(dla_code, digits=7) or "", year) if year else None
    if sub is None:
        code = parse_code(dla_code, digits=7)
        at = public.withdrawn_at(code, year) if code and year else None
        if at is not None:      # published once, withdrawn for correction: say so and when
            abort(410, message=f"ข้อมูลปีงบประมาณ {year} ของ อปท. รหัส {code} ถูกถอนการเผยแพร่"
                               f"เพื่อแก้ไขเมื่อ {_iso(at)}")
        abort(404, message=NOT_CERTIFIED.format(code=dla_code[:20], year=be_year[:20]))
    return sub


def _status(status: Status) -> dict:
    return dict(code=status.value, name_th=status.label_th, name_en=status.label_en)


def _organization(org, subs) -> dict:
    return dict(dla_code=org.dla_code, name_th=org.name_th, name_en=org.name_en,
                type=dict(code=org.org_type.value, name_th=org.org_type.label_th,
                          name_en=org.org_type.label_en),
                province=dict(code=org.province.code, name_th=org.province.name_th),
                district=dict(code=org.district.code, name_th=org.district.name_th),
                certified_years=[sub.fiscal_year for sub in subs],
                url=url_for("api.organization", dla_code=org.dla_code))


def _certifications(sub) -> list[dict]:
    """The certifications that stand now: the LAO's, then the province's, each with its
    level, the office that certified, when, and its reference number."""
    numbers = SubmissionOverview(sub).references   # from the events only; no section read
    latest = {event.action: numbers[event.id] for event in sub.events if event.id in numbers}
    org = sub.organization
    found = [dict(level="lao", level_th="อปท.", certified_by_th=org.name_th,
                  certified_at=_iso(sub.lao_certified_at),
                  reference=latest.get(Action.CERTIFY_LAO))]
    if sub.status is Status.PROVINCE_CERTIFIED:
        found.append(dict(level="province", level_th="จังหวัด",
                          certified_by_th="สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด"
                          + org.province.name_th,
                          certified_at=_iso(sub.province_certified_at),
                          reference=latest.get(Action.CERTIFY_PROVINCE)))
    return found


def _figures(sums, counted, of) -> list[dict]:
    return [dict(field=f"{column.table.name}.{column.key}", label=label, unit=unit,
                 value=public._plain(value or 0), aggregation=column.info["aggregate"],
                 counted=n, of=total)
            for (label, unit, column), value, n, total in zip(public.stat_columns(), sums,
                                                              counted, of)]


def _iso(value):
    """UTC with its offset (SQLite returns the stored UTC time without one)."""
    if value is None:
        return None
    from datetime import timezone
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


# --- errors, caching, CORS, no session -------------------------------------------------------

def _error(error: HTTPException):
    """Every error of the API as JSON with a Thai message (and each bad parameter's)."""
    title, message = MESSAGES.get(error.code, (error.name, error.name))
    data = getattr(error, "data", None) or {}
    body = {"error": title, "message": data.get("message") or message}
    locations = data.get("messages")
    if locations:
        errors = {name: list(msgs) if isinstance(msgs, list) else msgs
                  for fields in locations.values() for name, msgs in fields.items()}
        body.update(message="พารามิเตอร์ไม่ถูกต้อง: " + ", ".join(sorted(errors)), errors=errors)
    return body, error.code, error_headers(error)


def _http_caching(response):
    """An ETag from the body, 304 for a matching If-None-Match, and cache headers."""
    if request.method in ("GET", "HEAD") and response.status_code in (200, 304) \
            and g.get("api_etag"):
        response.set_etag(g.api_etag)    # the certified year's own validator (see above)
        response.make_conditional(request)
    elif request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    if response.status_code in (200, 304):
        response.headers["Cache-Control"] = \
            f"public, max-age={int(current_app.config['API_CACHE_SECONDS'])}"
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


for _blueprint in (bp, docs):
    _blueprint.register_error_handler(HTTPException, _error)
    _blueprint.after_request(_http_caching)


def _is_api(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class StatelessApiSessions(SecureCookieSessionInterface):
    """API requests get an empty session and never a cookie: an answer is the same for
    everybody (a proxy may keep it), and a signed-in browser's session is neither read nor
    renewed by a script calling the API."""

    def open_session(self, app, request):
        if _is_api(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if _is_api(request.path):
            return
        super().save_session(app, session, response)


def init_api(app) -> None:
    """Register the API, its document, CORS and its session rule on `app`."""
    app.config.setdefault("API_TITLE", "INFO open data API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("API_SPEC_OPTIONS", {"info": {"description": (
        "ข้อมูลเปิดของระบบข้อมูลกลางองค์กรปกครองส่วนท้องถิ่น (INFO): เฉพาะ อปท. และปีงบประมาณที่"
        "รับรองข้อมูลแล้ว (ระดับ อปท. หรือจังหวัด) อ่านอย่างเดียว ไม่ต้องเข้าสู่ระบบ "
        "ทุกคำตอบมี ETag และ Cache-Control และจำกัดจำนวนครั้งต่อนาทีต่อที่อยู่ IP")}})
    # The document is served by `docs` above (same rate limit and caching as the API), so
    # flask-smorest's own documentation blueprint (and its CDN-hosted UI pages) stays off.
    app.config["OPENAPI_URL_PREFIX"] = None
    api = InfoApi(app)
    api.register_blueprint(bp)
    app.register_blueprint(docs)
    CORS(app, resources={rf"{PREFIX}/.*": {"origins": "*", "send_wildcard": True,
                                            "methods": ["GET", "HEAD", "OPTIONS"],
                                            "max_age": 86400}})
    app.session_interface = StatelessApiSessions()
