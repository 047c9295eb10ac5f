"""What the public may read: LAO-years in PUBLIC_STATUSES, nothing else (SPEC §3, letter step 7).

Every public page, and later the API and the open-data downloads, reads through these
functions, so "an LAO that has not certified cannot be found" is written once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from workflow import N_, PUBLIC_STATUSES

from ..base import db
from ..catalogue.collation import thai_order, thai_sort_key
from ..tables.geography import District, Province
from ..tables.organizations import Organization, OrgType
from ..tables.submissions import Submission

PAGE_SIZE = 30


def published(model: type) -> tuple:
    """The catalogue columns of `model` the public may read: every one but personal data (the
    recorders' and INFO administrators' names, positions and phones: PDPA).  The one rule every
    public page, download, workbook and API answer reads its columns through."""
    from ..catalogue.columns import catalogue_columns
    return tuple(c for c in catalogue_columns(model) if not c.info.get("personal"))


def is_public():
    """The WHERE clause of a submission the public may see."""
    return Submission.status.in_(list(PUBLIC_STATUSES))


def public_submission(dla_code: str, be_year: int) -> Submission | None:
    """The certified LAO-year, or None (not certified, revoked, returned, or no such LAO)."""
    return db.session.scalar(
        select(Submission).join(Organization, Submission.organization_id == Organization.id)
        .where(Organization.dla_code == dla_code, Submission.fiscal_year == be_year,
               is_public()))


def _catalogue_fingerprint() -> str:
    """A short hash of the section catalogue (tables, columns, labels, units): a release that
    changes what a certified year's answer says changes every year_etag()."""
    import hashlib

    from ..tables.sections import CHILDREN, SECTIONS
    parts = []
    for section in SECTIONS:
        for model in (section, *(child for _name, child in CHILDREN.get(section, ()))):
            parts.append(model.__tablename__)
            # (what is personal too: a field withdrawn from publication renews every answer)
            parts.extend(f"{c.key}:{c.info.get('label_th')}:{c.info.get('label_en')}:"
                         f"{c.info.get('unit')}:{c.info.get('kind')}:{c.info.get('personal')}"
                         for c in model.__table__.columns)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


_CATALOGUE = None


def year_etag(sub: Submission) -> str:
    """A validator of a certified LAO-year's answers, known before reading its sections: its
    values cannot change while it is certified (models/rules/locks.py), every way in or out of the
    public statuses is a transition, and every transition raises the submission's version."""
    return f"y{sub.id}.{sub.version}.{sub.status.value}.{year_etag_catalogue()}"


def publication_fingerprint(be_year: int, province: str | None = None) -> str:
    """What a public download of a year (and province) depends on, in cheap aggregates:
    certified rows cannot change and every way in or out of the public statuses is a
    transition, which writes a certification event — so the newest event's id moves whenever
    the published data does.  The count, the sum of the versions and the highest id of the
    public rows alone did not: one LAO-year revoked and another certified could leave all
    three as they were (tests/test_public.py, a swap), and /stats kept the revoked LAO's sums.
    A province's newest event is its own LAO-years' (their events, by index), so a province's
    file is not written again for another province's changes; the nation's is the newest
    event anywhere (one probe of the primary key), which renews the year's fingerprint after a
    transition of another year too — rare, and it costs one summing."""
    from sqlalchemy.orm import aliased

    from ..tables.submissions import CertificationEvent
    newest = select(func.coalesce(func.max(CertificationEvent.id), 0))
    if province:
        lao_year = aliased(Submission)      # not the outer query's rows: its own join
        newest = newest.join(lao_year, CertificationEvent.submission_id == lao_year.id).where(
            lao_year.fiscal_year == be_year, lao_year.province_code == province)
    query = select(func.count(), func.coalesce(func.sum(Submission.version), 0),
                   func.coalesce(func.max(Submission.id), 0), newest.scalar_subquery()
                   ).where(Submission.fiscal_year == be_year, is_public())
    if province:
        query = query.where(Submission.province_code == province)
    count, versions, top, event = db.session.execute(query).one()
    return f"{count}-{versions}-{top}-{event}-{year_etag_catalogue()}"


def left_public_since(be_year: int, province: str | None, since: datetime) -> bool:
    """Whether an LAO-year of `be_year` (and `province`) has left the public statuses after
    `since` (a revocation, a return): then a file written before may show it no longer."""
    from ..tables.submissions import CertificationEvent
    public = list(PUBLIC_STATUSES)
    query = select(CertificationEvent.id).join(
        Submission, CertificationEvent.submission_id == Submission.id).where(
        Submission.fiscal_year == be_year, CertificationEvent.created_at > since,
        CertificationEvent.from_status.in_(public), CertificationEvent.to_status.not_in(public))
    if province:
        query = query.where(Submission.province_code == province)
    return db.session.scalar(select(exists(query))) or False


def year_etag_catalogue() -> str:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = _catalogue_fingerprint()
    return _CATALOGUE


def public_organization(dla_code: str) -> Organization | None:
    """An LAO the public may find: one with at least one certified year."""
    return db.session.scalar(select(Organization).where(
        Organization.dla_code == dla_code,
        exists().where(Submission.organization_id == Organization.id, is_public()))
        .options(joinedload(Organization.district), joinedload(Organization.province)))


def public_organizations(dla_codes: list[str]) -> list[Organization]:
    """The findable LAOs of `dla_codes`, in the order given (one statement, with their
    district and province)."""
    if not dla_codes:
        return []
    found = {o.dla_code: o for o in db.session.scalars(
        _findable().where(Organization.dla_code.in_(dla_codes))
        .options(joinedload(Organization.district), joinedload(Organization.province)))}
    return [found[code] for code in dla_codes if code in found]


def certified_years(organization_ids: list[int]) -> dict[int, list[Submission]]:
    """Organization id → its certified submissions, newest year first (one query)."""
    found: dict[int, list[Submission]] = {i: [] for i in organization_ids}
    if organization_ids:
        for sub in db.session.scalars(select(Submission).where(
                Submission.organization_id.in_(organization_ids), is_public())
                .order_by(Submission.fiscal_year.desc())):
            found[sub.organization_id].append(sub)
    return found


def _findable(text: str = "", province: str | None = None, district: str | None = None,
              org_type: OrgType | None = None) -> Select:
    """LAOs with a certified year, by a part of the Thai name or the DLA code, and place/type
    (the one filter of the search page and the API's organization list)."""
    query: Select = select(Organization).where(
        exists().where(Submission.organization_id == Organization.id, is_public()))
    text = (text or "").strip()[:100]
    if text:
        # autoescape: a %, _ or backslash in the text is a character, not a LIKE wildcard.
        query = query.where(or_(Organization.name_th.contains(text, autoescape=True),
                                Organization.dla_code.startswith(text, autoescape=True)))
    if province:
        query = query.where(Organization.province_code == province)
    if district:
        query = query.where(Organization.district_code == district)
    if org_type is not None:
        query = query.where(Organization.org_type == org_type)
    return query


def search(text: str = "", province: str | None = None, district: str | None = None,
           org_type: OrgType | None = None, page: int = 0) -> tuple[int, list[Organization]]:
    """One page of the search: (how many LAOs match, the page's LAOs by province and name)."""
    query = _findable(text, province, district, org_type)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Organization.province_code,
                                             thai_order(Organization.name_th))
                              .options(joinedload(Organization.district),
                                       joinedload(Organization.province))
                              .offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return int(total or 0), list(rows)


def organizations_after(after: str | None, limit: int, text: str = "",
                        province: str | None = None, district: str | None = None,
                        org_type: OrgType | None = None) -> list[Organization]:
    """Up to `limit` findable LAOs whose DLA code comes after `after`, by DLA code (keyset
    pagination: the last page reads as few rows as the first, through the unique index)."""
    query = _findable(text, province, district, org_type)
    if after:
        query = query.where(Organization.dla_code > after)
    return list(db.session.scalars(query.order_by(Organization.dla_code)
                                   .options(joinedload(Organization.district),
                                            joinedload(Organization.province))
                                   .limit(limit)))


def places(province: str | None) -> tuple[list, list]:
    """(provinces, the chosen province's districts) for the search form (not all 928), each
    with its Thai and English name, in Thai dictionary order (thai_sort_key)."""
    districts = db.session.execute(
        select(District.code, District.name_th, District.name_en, District.province_code)
        .where(District.province_code == province)).all() if province else []
    provinces = db.session.execute(select(Province.code, Province.name_th,
                                          Province.name_en)).all()
    return (sorted(provinces, key=lambda p: thai_sort_key(p.name_th)),
            sorted(districts, key=lambda d: thai_sort_key(d.name_th)))


def province_name(code: str) -> str | None:
    """The Thai name of a province, or None when there is no such code."""
    return db.session.scalar(select(Province.name_th).where(Province.code == code))


def year_records(overview) -> list[dict]:
    """One certified LAO-year as flat records: one per field, and one per child-row field
    (row number given), with the catalogue's code, Thai and English label, kind and unit
    (open data: the JSON download and the API's values)."""
    from ..tables.sections import CHILDREN, SECTIONS

    records = []
    for section_cls in SECTIONS:
        no, row = section_cls.SECTION_NO, overview.rows.get(section_cls.SECTION_NO)
        base = dict(section_no=no, section=section_cls.TITLE_TH)
        for column in published(section_cls):
            info = column.info
            records.append({**base, "group": info.get("group") or "", "row": None,
                            "field": column.key, "label": info["label_th"],
                            "label_en": info.get("label_en") or "", "type": info["kind"],
                            "unit": info.get("unit") or "",
                            "value": _plain(getattr(row, column.key, None) if row else None)})
        for name, child_cls in CHILDREN.get(section_cls, ()):
            for n, child in enumerate(getattr(row, name) if row else [], start=1):
                for column in published(child_cls):
                    info = column.info
                    records.append({**base, "group": child_cls.TITLE_TH, "row": n,
                                    "field": f"{name}.{column.key}", "label": info["label_th"],
                                    "label_en": info.get("label_en") or "",
                                    "type": info["kind"], "unit": info.get("unit") or "",
                                    "value": _plain(getattr(child, column.key))})
    return records


def _plain(value):
    """A value as open data: numbers as exact strings, dates ISO, enums their code."""
    import enum
    from datetime import date
    from decimal import Decimal
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# The national figures of /stats: (label, unit, section model name, column) — certified data only.
# Labels and units are catalogue msgids (N_): the page shows them translated, exports keep Thai.
STATS = (
    (N_("ประชากร"), N_("คน"), "Section1General", "population_total"),
    (N_("ครัวเรือน"), N_("ครัวเรือน"), "Section1General", "households"),
    (N_("ถนนลาดยาง"), N_("กม."), "Section2Infrastructure", "road_asphalt_km"),
    (N_("ถนนคอนกรีต"), N_("กม."), "Section2Infrastructure", "road_concrete_km"),
    (N_("ถนนลูกรัง"), N_("กม."), "Section2Infrastructure", "road_laterite_km"),
    (N_("ถนนหินคลุก"), N_("กม."), "Section2Infrastructure", "road_crushed_rock_km"),
    (N_("ถนนดิน"), N_("กม."), "Section2Infrastructure", "road_earth_km"),
    (N_("ครัวเรือนที่ใช้น้ำประปา"), N_("ครัวเรือน"), "Section2Infrastructure", "households_piped_water"),
    (N_("อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.)"), N_("คน"), "Section6Disaster",
     "civil_defence_volunteers"),
    (N_("ขยะมูลฝอยที่เกิดขึ้น"), N_("ตัน/วัน"), "Section7Environment", "waste_generated"),
    (N_("รายรับจริงรวม"), N_("บาท"), "Section8Finance", "revenue_total"),
    (N_("รายจ่ายจริงรวม"), N_("บาท"), "Section8Finance", "expenditure_total"),
)


def statistics(be_year: int) -> dict:
    """Sums of certified LAO-years of `be_year`, for the nation and per province, and how
    complete the year's certification is (/stats and the API; read it, never change it).

    Kept per process (models/master_cache: dropped when a province or a year changes, and
    after a minute) under what it depends on: the published data's fingerprint and the year's
    number of LAO-years — 4 ms of aggregates instead of the 30–60 ms of the sums, at
    national scale, whenever no certification changed since the last reader."""
    from . import master_cache
    laos = db.session.scalar(select(func.count()).select_from(Submission)
                             .where(Submission.fiscal_year == be_year))
    key = ("public-statistics", be_year, laos, publication_fingerprint(be_year))
    return master_cache.cached(key, lambda: _statistics(be_year))


def stat_columns() -> list[tuple[str, str, Any]]:
    """(label, unit, column) of every figure of STATS; each column declares in the catalogue
    how it adds up over LAOs (`aggregate`: additive or territorial)."""
    from ..tables import sections
    return [(label, unit, getattr(getattr(sections, model), column))
            for label, unit, model, column in STATS]


def _statistics(be_year: int) -> dict:
    """The sums and, for each, how many certified LAO-years it counts (its coverage).

    A territorial figure (the people, households, water and waste of an area) is summed over
    the LAOs below the อบจ.: an อบจ. covers its whole province, so its population added to
    that of the เทศบาล and อบต. inside it counted the same people twice (Uthai Thani showed
    1,357,969 people = 863,310 of the อบจ. + 494,659 of the others).  Additive figures (each
    LAO's own revenue, roads, volunteers, vehicles) are summed over every certified LAO."""
    from ..tables.sections import Section6Vehicle, VehicleKind

    columns = stat_columns()
    joined = {c.class_ for _l, _u, c in columns}
    below = Submission.org_type != OrgType.PAO
    counted = [case((below, c), else_=None) if c.info.get("aggregate") == "territorial" else c
               for _l, _u, c in columns]
    query = select(Submission.province_code, func.count(Submission.id),
                   *[func.sum(c) for c in counted], *[func.count(c) for c in counted])
    for model in joined:
        query = query.outerjoin(model, model.submission_id == Submission.id)
    query = query.where(Submission.fiscal_year == be_year, is_public()) \
        .group_by(Submission.province_code)
    n = len(columns)
    by_province = {row[0]: (row[1], list(row[2:2 + n]), list(row[2 + n:]))
                   for row in db.session.execute(query)}
    engines = dict(db.session.execute(
        select(Submission.province_code, func.count(Section6Vehicle.id))
        .join(Section6Vehicle, Section6Vehicle.submission_id == Submission.id)
        .where(Submission.fiscal_year == be_year, is_public(),
               Section6Vehicle.kind == VehicleKind.FIRE_ENGINE)
        .group_by(Submission.province_code)).all())
    lao_count = {code: (laos, laos_below) for code, laos, laos_below in db.session.execute(
        select(Submission.province_code, func.count(),
               func.count(case((below, Submission.id), else_=None)))
        .where(Submission.fiscal_year == be_year).group_by(Submission.province_code)).all()}
    names = dict(db.session.execute(select(Province.code, Province.name_th)).all())
    provinces = []
    for code in sorted(by_province, key=lambda c: thai_sort_key(names.get(c, c))):
        certified, sums, counts = by_province[code]
        laos, laos_below = lao_count.get(code, (0, 0))
        provinces.append(dict(code=code, name=names.get(code, code), laos=laos,
                              laos_below=laos_below, certified=certified, sums=sums,
                              counted=counts, fire_engines=engines.get(code, 0)))
    aggregates = [c.info.get("aggregate") for _l, _u, c in columns]
    return dict(year=be_year, labels=[(label, unit) for label, unit, _c in columns],
                aggregates=aggregates,
                provinces=provinces,
                totals=[sum((p["sums"][i] or 0) for p in provinces) for i in range(n)],
                counted=[sum(p["counted"][i] for p in provinces) for i in range(n)],
                of=[sum(lao_count[code][1 if aggregate == "territorial" else 0]
                        for code in lao_count) for aggregate in aggregates],
                certified=sum(p["certified"] for p in provinces),
                laos=sum(laos for laos, _b in lao_count.values()),
                fire_engines=sum(p["fire_engines"] for p in provinces))


def stat_years() -> list[int]:
    """The fiscal years with at least one certified LAO-year, newest first."""
    # One index probe per fiscal year (ix_submission_year_status), not a scan of every
    # LAO-year grouped by year (10 ms on PostgreSQL at national scale).
    from ..tables.submissions import FiscalYear
    return list(db.session.scalars(
        select(FiscalYear.be_year)
        .where(exists().where(Submission.fiscal_year == FiscalYear.be_year, is_public()))
        .order_by(FiscalYear.be_year.desc())))


# --- publications and withdrawals --------------------------------------------------------------

def withdrawn_at(dla_code: str, be_year: int) -> datetime | None:
    """When an LAO-year that had been published left the public statuses (revoked by the LAO,
    returned by the province), if it is not public now; None for a year never published."""
    from ..tables.submissions import CertificationEvent
    public_states = list(PUBLIC_STATUSES)
    return db.session.scalar(
        select(func.max(CertificationEvent.created_at))
        .join(Submission, CertificationEvent.submission_id == Submission.id)
        .join(Organization, Submission.organization_id == Organization.id)
        .where(Organization.dla_code == dla_code, Submission.fiscal_year == be_year,
               ~is_public(), CertificationEvent.from_status.in_(public_states),
               CertificationEvent.to_status.not_in(public_states)))


PUBLISHED, WITHDRAWN, LEVEL = "published", "withdrawn", "level"


def publication_events(limit: int = 200) -> list[dict]:
    """The newest events that changed what the public reads: an LAO-year published, withdrawn
    for correction, or certified at another level — LAO, year, level, time; never who acted or
    why (the Atom feed)."""
    from ..tables.submissions import CertificationEvent
    public_states = list(PUBLIC_STATUSES)
    rows = db.session.execute(
        select(CertificationEvent.id, CertificationEvent.created_at,
               CertificationEvent.from_status, CertificationEvent.to_status,
               Organization.dla_code, Organization.name_th, Organization.name_en,
               Submission.fiscal_year)
        .join(Submission, CertificationEvent.submission_id == Submission.id)
        .join(Organization, Submission.organization_id == Organization.id)
        .where(or_(CertificationEvent.from_status.in_(public_states),
                   CertificationEvent.to_status.in_(public_states)))
        .order_by(CertificationEvent.id.desc()).limit(limit)).all()
    out = []
    for row in rows:
        was, now = row.from_status in PUBLIC_STATUSES, row.to_status in PUBLIC_STATUSES
        kind = PUBLISHED if now and not was else WITHDRAWN if was and not now else LEVEL
        out.append(dict(id=row.id, at=row.created_at, kind=kind, status=row.to_status,
                        dla_code=row.dla_code, name_th=row.name_th, name_en=row.name_en,
                        fiscal_year=row.fiscal_year))
    return out


# --- the home page -----------------------------------------------------------------------------

def round_in_progress() -> dict | None:
    """The newest open fiscal year (or the newest year when none is open) and, per province
    with LAOs in it, how many LAO-years the public can read already: two statements."""
    from ..tables.submissions import FiscalYear, YearStatus
    year = db.session.scalars(select(FiscalYear).order_by(
        case((FiscalYear.status == YearStatus.OPEN, 0), else_=1),
        FiscalYear.be_year.desc()).limit(1)).first()
    if year is None:
        return None
    rows = db.session.execute(
        select(Province.code, Province.name_th, Province.name_en, func.count(Submission.id),
               func.count(case((is_public(), Submission.id), else_=None)))
        .join(Submission, Submission.province_code == Province.code)
        .where(Submission.fiscal_year == year.be_year)
        .group_by(Province.code, Province.name_th, Province.name_en)).all()
    provinces = sorted((dict(code=r[0], name_th=r[1], name_en=r[2], laos=r[3], certified=r[4])
                        for r in rows), key=lambda p: thai_sort_key(p["name_th"]))
    return dict(year=year, provinces=provinces, laos=sum(p["laos"] for p in provinces),
                certified=sum(p["certified"] for p in provinces))


def recently_published(limit: int = 8) -> list[dict]:
    """The LAO-years published most recently that are still public (newest first; LAO, year,
    level and time only, never who).  Kept per process under the newest event's id (one probe
    of the primary key): any publication or withdrawal writes an event."""
    from . import master_cache
    from ..tables.submissions import CertificationEvent
    newest = db.session.scalar(select(func.max(CertificationEvent.id)))
    return master_cache.cached(("recently-published", limit, newest),
                               lambda: _recently_published(limit))


def _recently_published(limit: int) -> list[dict]:
    from ..tables.submissions import CertificationEvent
    public_states = list(PUBLIC_STATUSES)
    rows = db.session.execute(
        select(Organization.dla_code, Organization.name_th, Organization.name_en,
               Submission.id, Submission.fiscal_year, Submission.status,
               CertificationEvent.created_at)
        .join(Submission, Submission.id == CertificationEvent.submission_id)
        .join(Organization, Organization.id == Submission.organization_id)
        .where(CertificationEvent.to_status.in_(public_states),
               CertificationEvent.from_status.not_in(public_states), is_public())
        .order_by(CertificationEvent.created_at.desc(), CertificationEvent.id.desc())
        .limit(3 * limit)).all()
    seen, out = set(), []
    for r in rows:       # a year published, withdrawn and published again shows once
        if r.id not in seen and len(out) < limit:
            seen.add(r.id)
            out.append(dict(dla_code=r.dla_code, name_th=r.name_th, name_en=r.name_en,
                            fiscal_year=r.fiscal_year, status=r.status, at=r.created_at))
    return out
