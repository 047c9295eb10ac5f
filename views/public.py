"""Public pages: search the certified LAOs, an LAO's profile, one certified year; About (data
attribution), language switch, health check.  Only PUBLIC_STATUSES are ever read (models/public)."""

from __future__ import annotations

import csv
import io
import re

from flask import (Blueprint, Response, abort, current_app, jsonify, redirect, render_template,
                   request, session, url_for)
from flask_babel import force_locale, gettext
from sqlalchemy import select, text

from models import Organization, OrgType, Submission, db, utcnow
from models.reads import figures, master_cache, public
from models.catalogue.reading import parse_code, parse_int_id, parse_year
from models.reads.overview import SubmissionOverview
from models.exchange.workbooks import area_workbook, lao_year_workbook

from . import opendata
from .auth import safe_next
from .base import be_file_name, send_workbook
from .workbook_cache import keep_workbook, send_kept

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    """ค้นหา อปท.: by a part of the Thai name or the DLA code, province, district and type."""
    args = request.args
    text = (args.get("q") or "").strip()[:100]
    province = parse_code(args.get("province"), digits=2)
    district = parse_code(args.get("district"), digits=4)
    try:
        org_type = OrgType(args.get("type")) if args.get("type") else None
    except ValueError:
        org_type = None
    page = min(max(parse_int_id(args.get("page")) or 0, 0), 10_000)
    searched = bool(text or province or district or org_type)
    total, orgs = public.search(text, province, district, org_type, page) if searched \
        else (0, [])
    provinces, districts = public.places(province)
    home = None if searched else _home()
    return render_template(
        "public/search.html", q=text, province=province, district=district, org_type=org_type,
        searched=searched, total=total, orgs=orgs, page=page, page_size=public.PAGE_SIZE,
        years=public.certified_years([o.id for o in orgs]), provinces=provinces,
        districts=districts, org_types=list(OrgType), home=home)


HOME_FIGURES = ("population_total", "households", "revenue_total", "expenditure_total")


def _home() -> dict:
    """What the home page shows below the search: the latest certified year's national
    headline figures (as /stats adds them up), the round in progress per province, and the
    LAO-years published most recently."""
    years = public.stat_years()
    stats = public.statistics(years[0]) if years else None
    headline = []
    if stats:
        columns = [column.key for *_rest, column in public.stat_columns()]
        for key in HOME_FIGURES:
            i = columns.index(key)
            headline.append(dict(label=stats["labels"][i][0], unit=stats["labels"][i][1],
                                 total=stats["totals"][i], counted=stats["counted"][i],
                                 of=stats["of"][i], aggregate=stats["aggregates"][i]))
    return dict(stats=stats, headline=headline, round=public.round_in_progress(),
                recent=public.recently_published())


@bp.route("/orgs/<dla_code>")
def organization(dla_code: str):
    """An LAO's profile and its certified years (an LAO that has not certified is not found)."""
    org = public.public_organization(parse_code(dla_code, digits=7) or "")
    if org is None:
        abort(404)
    rows = figures.series(org.id)
    return render_template("public/organization.html", org=org,
                           years=public.certified_years([org.id])[org.id], series=rows,
                           figures=figures.FIGURES, charts=series_charts(rows))


def series_charts(rows: list[dict]) -> dict:
    """One small bar chart per headline figure over the LAO's certified years (the numbers of
    the table beside it)."""
    return {f.key: dict(type="bar", labels=[str(r["year"]) for r in rows],
                        datasets=[dict(label=gettext(f.unit),
                                       data=[figures.plain(r[f.key]) for r in rows])])
            for f in figures.FIGURES}


MAX_COMPARED = 5
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


@bp.route("/compare")
def compare():
    """Up to five LAOs side by side in one certified year, each figure also per head or per
    km², with the medians of their type in their province and in the country; `similar=<code>`
    picks the LAO and its nearest peers (same type and province, nearest population)."""
    years = public.stat_years()
    year = parse_year(request.args.get("year"))
    year = year if year in years else None
    codes = _codes(request.args.get("codes", ""))
    added = (request.args.get("add") or "").strip()[:100]
    candidates: list = []
    found: list[str] = []
    if added:
        found = _codes(added)
        if not found:   # a part of a name: added when it names one LAO, offered when more
            total, candidates = public.search(added)
            found = [candidates[0].dla_code] if total == 1 else []
            candidates = [] if total == 1 else candidates
        codes += found
    similar_to = parse_code(request.args.get("similar"), digits=7)
    if similar_to:
        org = public.public_organization(similar_to)
        if org is not None:
            own = [s.fiscal_year for s in public.certified_years([org.id])[org.id]]
            year = year if year in own else own[0]
            return redirect(url_for("public.compare", year=year,
                                    codes=",".join(figures.similar(org, year))))
    unique = list(dict.fromkeys(codes))
    orgs = public.public_organizations(unique[:MAX_COMPARED])
    year = year or (years[0] if years else None)
    values = figures.year_values([o.id for o in orgs], year) if year and orgs else {}
    peers = _peer_columns(orgs)
    types = sorted({p["type"] for p in peers}, key=lambda t: t.value)
    medians = master_cache.cached(
        ("medians", year, tuple(t.value for t in types), public.publication_fingerprint(year)),
        lambda: figures.medians(year, types)) if year and peers else {}
    unknown = [c for c in unique[:MAX_COMPARED] if c not in {o.dla_code for o in orgs}]
    return render_template("public/compare.html", years=years, year=year, orgs=orgs,
                           values=values, peers=peers, medians=medians,
                           figures=figures.FIGURES, ratio_of=figures.ratio_of,
                           unknown=unknown, codes=",".join(o.dla_code for o in orgs),
                           added=added, candidates=candidates,
                           added_missing=bool(added and not found and not candidates),
                           full=len(orgs) >= MAX_COMPARED,
                           dropped=unique[MAX_COMPARED:])


def _codes(text: str) -> list[str]:
    """The 7-digit DLA codes in a comma- or space-separated text (Thai digits read too)."""
    codes = []
    for part in re.split(r"[,\s]+", text[:200].translate(THAI_DIGITS)):
        code = parse_code(part, digits=7)
        if code:
            codes.append(code)
    return codes


def _peer_columns(orgs: list) -> list[dict]:
    """The median columns: the compared LAOs' type in their province, then in the country,
    each once, in the order of the LAOs; `key` finds the column in figures.medians()."""
    columns: dict[tuple[str, str], dict] = {}
    for org in orgs:
        columns.setdefault((org.org_type.value, org.province_code),
                           dict(type=org.org_type, province=org.province))
    for org in orgs:
        columns.setdefault((org.org_type.value, ""), dict(type=org.org_type, province=None))
    return [dict(key=key, **column) for key, column in columns.items()]


@bp.route("/orgs/<dla_code>/<be_year>")
def organization_year(dla_code: str, be_year: str):
    """The sections of one certified year, with the level that certified it and when."""
    year = parse_year(be_year)
    submission = public.public_submission(parse_code(dla_code, digits=7) or "", year) \
        if year else None
    if submission is None:
        return _gone_or_missing(dla_code, year)
    return render_template("public/year.html", submission=submission,
                           org=submission.organization,
                           overview=SubmissionOverview.load(submission, public=True),
                           dataset=opendata.year_dataset(submission))


@bp.route("/orgs/<dla_code>/<be_year>/data.<fmt>")
def organization_year_data(dla_code: str, be_year: str, fmt: str):
    """The certified year as open data: CSV (UTF-8 with BOM, for Excel), JSON or XLSX."""
    year = parse_year(be_year)
    submission = public.public_submission(parse_code(dla_code, digits=7) or "", year) \
        if year and fmt in ("csv", "json", "xlsx") else None
    if submission is None:
        return _gone_or_missing(dla_code, year if fmt in ("csv", "json", "xlsx") else None)
    org = submission.organization
    if fmt == "xlsx":
        overview = SubmissionOverview.load(submission, public=True)
        response = send_workbook(
            lambda out: lao_year_workbook(out, overview, utcnow(), people=False),
            be_file_name(f"{org.dla_code}-{submission.fiscal_year}", "xlsx"))
        response.headers.update(license_link())
        return response
    records = public.year_records(SubmissionOverview.load(submission, public=True))
    name = f"info-{org.dla_code}-{submission.fiscal_year}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}", **license_link()}
    if fmt == "json":
        return jsonify(license=current_app.config["DATA_LICENSE_URL"],
                       organization=dict(dla_code=org.dla_code, name_th=org.name_th,
                                         org_type=org.org_type.value,
                                         province=org.province.name_th,
                                         district=org.district.name_th),
                       fiscal_year=submission.fiscal_year, status=submission.status.value,
                       status_th=submission.status.label_th,
                       lao_certified_at=_iso(submission.lao_certified_at),
                       province_certified_at=_iso(submission.province_certified_at),
                       values=records), 200, headers
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ด้านที่", "ด้าน", "หมวด", "รายการที่", "รหัสข้อมูล", "ข้อมูล", "หน่วย", "ค่า"])
    for r in records:
        writer.writerow([r["section_no"], r["section"], r["group"], r["row"] or "", r["field"],
                         r["label"], r["unit"], _cell(r["value"])])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers=headers)


def _iso(value):
    return value.isoformat() if value else None


def license_link() -> dict[str, str]:
    """The data's licence as an HTTP Link header (RFC 8288, rel="license") on a download."""
    return {"Link": f'<{current_app.config["DATA_LICENSE_URL"]}>; rel="license"'}


def _gone_or_missing(dla_code: str, year: int | None):
    """A year that was published and has been withdrawn for correction answers 410 Gone with
    when (no values, no reason: the reason is between the LAO and its province); one never
    published is a 404, as an LAO that has not certified cannot be found."""
    code = parse_code(dla_code, digits=7)
    at = public.withdrawn_at(code, year) if code and year else None
    if at is None:
        abort(404)
    org = db.session.scalar(select(Organization).where(Organization.dla_code == code))
    return render_template("public/withdrawn.html", org=org, year=year, at=at), 410



def _cell(value) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.route("/stats")
def stats():
    """National and provincial sums of certified data, and how complete the year is."""
    years = public.stat_years()
    year = parse_year(request.args.get("year"))
    year = year if year in years else (years[0] if years else None)
    stats = public.statistics(year) if year else None
    return render_template("public/stats.html", years=years, year=year, stats=stats,
                           charts=stats_charts(stats) if stats else None,
                           provinces=public.places(None)[0])


def stats_charts(stats: dict) -> dict:
    """The charts beside the /stats tables, from the very numbers the tables show (certified
    data only): roads by surface and revenue against expenditure beside the national table,
    certified and not yet certified LAOs per province beside the provincial one."""
    columns = [column for *_rest, column in public.STATS]
    total = dict(zip(columns, stats["totals"]))
    label = dict(zip(columns, stats["labels"]))

    def bars(keys, name):
        return dict(type="bar", horizontal=True, labels=[label[k][0] for k in keys],
                    datasets=[dict(label=name, data=[_number(total[k]) for k in keys])])

    provinces = stats["provinces"]
    return dict(
        roads=bars([c for c in columns if c.startswith("road_")], gettext("กิโลเมตร")),
        money=bars(["revenue_total", "expenditure_total"], gettext("บาท")),
        provinces=dict(type="bar", stacked=True, horizontal=True,
                       labels=[p["name"] for p in provinces],
                       datasets=[dict(label=gettext("รับรองแล้ว"), status="province_certified",
                                      data=[p["certified"] for p in provinces]),
                                 dict(label=gettext("ยังไม่รับรอง"), status="draft",
                                      data=[p["laos"] - p["certified"] for p in provinces])]))


def _number(value):
    """A sum for the chart's JSON (Decimal is not JSON; None is no certified value)."""
    return float(value) if value is not None else 0


@bp.route("/stats/workbook.xlsx")
def stats_workbook():
    """Certified data of one year as a workbook: one sheet per section, one row per certified
    LAO, of a province or the whole country (PUBLIC_STATUSES only, models/reads/public.py)."""
    years = public.stat_years()
    given = request.args.get("year")
    year = parse_year(given) if given is not None else (years[0] if years else None)
    if year not in years:
        abort(404)
    province = parse_code(request.args.get("province"), digits=2)
    name = public.province_name(province) if province else None
    if province and name is None:
        abort(404)
    with force_locale("th"):  # a data product: its title is Thai (README: Languages)
        place = gettext("จังหวัด%(name)s", name=name) if name else gettext("ทั้งประเทศ")
        title = gettext("ข้อมูล อปท. ที่รับรองแล้ว %(place)s ปีงบประมาณ %(year)s",
                        place=place, year=year)

    def narrow(query):
        query = query.where(public.is_public())
        return query.where(Submission.province_code == province) if province else query
    key = f"certified-{year}-{province or 'th'}@{public.publication_fingerprint(year, province)}"
    # The last file may be sent while the next is written only if it holds no LAO-year that
    # has left the public statuses since (a revoked year disappears at once).
    kept = keep_workbook(key, lambda out: area_workbook(out, year, title, narrow, utcnow(),
                                                        public=True),
                         lambda made: not public.left_public_since(year, province, made))
    return send_kept(kept, be_file_name(f"certified-{province or 'th'}-fy{year}", "xlsx",
                                        kept.made))


@bp.route("/about")
def about():
    return render_template("about.html")


@bp.route("/lang/<code>")
def set_language(code: str):
    if code in ("th", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next") or "/"))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - the check reports, it does not crash
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "error", database=database), status
