"""Headline figures of certified LAO-years, across years and against peers (issue 23): the LAO
profile's time series and the comparison page (/compare) read them here, certified data only.

A figure is one expression over an LAO-year's sections (population, road km, revenue, fire
engines …), and where a raw number is not comparable between a town of 3,000 and one of 80,000,
a ratio (per head, per km², per 1,000 people) that is.  Every read is set-based: one statement
for the values of any number of LAO-years, one for the medians of their peers (window
functions, the same on SQLite and PostgreSQL), whatever the number of LAOs in the country.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import Float, Select, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from workflow import N_

from ..base import db
from ..tables.organizations import Organization, OrgType
from ..tables.sections import (Section1General, Section2Infrastructure, Section6Disaster,
                               Section6Vehicle, Section7Environment, Section8Finance,
                               VehicleKind)
from ..tables.submissions import Submission
from ..rules.peers import grouped_median
from .public import is_public

ROADS = ("road_asphalt_km", "road_concrete_km", "road_laterite_km", "road_crushed_rock_km",
         "road_earth_km", "road_other_km")


def _fire_engines():
    """Fire engines per LAO-year (ด้าน 6.1 rows of that kind), as a subquery to join."""
    return (select(Section6Vehicle.submission_id.label("submission_id"),
                   func.count(Section6Vehicle.id).label("n"))
            .where(Section6Vehicle.kind == VehicleKind.FIRE_ENGINE)
            .group_by(Section6Vehicle.submission_id).subquery("fire_engines"))


def _roads() -> ColumnElement:
    """Road km of every surface; no figure when ด้าน 2 has none of them."""
    columns = [getattr(Section2Infrastructure, name) for name in ROADS]
    return case((and_(*[c.is_(None) for c in columns]), null()),
                else_=sum((func.coalesce(c, 0) for c in columns[1:]),
                          func.coalesce(columns[0], 0)))


@dataclass(frozen=True)
class Ratio:
    """A figure made comparable: value × factor ÷ the denominator figure."""
    unit: str            # msgid (N_): "คน/ตร.กม."
    over: str            # the key of the denominator figure
    factor: int = 1
    places: int = 2      # decimals shown


@dataclass(frozen=True)
class Figure:
    key: str
    label: str           # msgid (N_)
    unit: str            # msgid (N_)
    value: Callable[[Any], ColumnElement]   # (the fire-engine subquery) -> expression
    ratio: Ratio | None = None
    places: int = 0


FIGURES: tuple[Figure, ...] = (
    Figure("population", N_("ประชากร"), N_("คน"), lambda fe: Section1General.population_total,
           Ratio(N_("คน/ตร.กม."), "area")),
    Figure("households", N_("ครัวเรือน"), N_("ครัวเรือน"), lambda fe: Section1General.households),
    Figure("area", N_("พื้นที่"), N_("ตร.กม."), lambda fe: Section1General.area_sq_km, places=2),
    Figure("roads", N_("ถนนทุกประเภท"), N_("กม."), lambda fe: _roads(),
           Ratio(N_("กม./ตร.กม."), "area"), places=2),
    Figure("piped_water", N_("ครัวเรือนที่ใช้น้ำประปา"), N_("ครัวเรือน"),
           lambda fe: Section2Infrastructure.households_piped_water,
           Ratio(N_("ร้อยละของครัวเรือน"), "households", 100, 1)),
    Figure("volunteers", N_("อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.)"), N_("คน"),
           lambda fe: Section6Disaster.civil_defence_volunteers,
           Ratio(N_("คน/ประชากร 1,000 คน"), "population", 1000)),
    Figure("fire_engines", N_("รถยนต์ดับเพลิง"), N_("คัน"),
           lambda fe: case((Section6Disaster.submission_id.is_(None), null()),
                           else_=func.coalesce(fe.c.n, 0)),
           Ratio(N_("คัน/ประชากร 10,000 คน"), "population", 10000)),
    Figure("waste", N_("ขยะมูลฝอยที่เกิดขึ้น"), N_("ตัน/วัน"),
           lambda fe: Section7Environment.waste_generated,
           Ratio(N_("กก./คน/วัน"), "population", 1000), places=2),
    Figure("revenue", N_("รายรับจริงรวม"), N_("บาท"), lambda fe: Section8Finance.revenue_total,
           Ratio(N_("บาท/คน"), "population")),
    Figure("expenditure", N_("รายจ่ายจริงรวม"), N_("บาท"),
           lambda fe: Section8Finance.expenditure_total, Ratio(N_("บาท/คน"), "population")),
)
BY_KEY = {f.key: f for f in FIGURES}


def _base(columns: list) -> Select:
    """SELECT columns FROM submission ⟕ its sections ⟕ fire engines (certified years only)."""
    fire = _fire_engines()
    values = [f.value(fire).label(f.key) for f in FIGURES]
    query = select(*columns, *values).select_from(Submission)
    for model in (Section1General, Section2Infrastructure, Section6Disaster,
                  Section7Environment, Section8Finance):
        query = query.outerjoin(model, model.submission_id == Submission.id)
    return query.outerjoin(fire, fire.c.submission_id == Submission.id).where(is_public())


def ratio_of(figure: Figure, values: dict) -> float | None:
    """The figure's ratio from an LAO-year's values, or None when either side is missing."""
    if figure.ratio is None:
        return None
    value, over = values.get(figure.key), values.get(figure.ratio.over)
    if value is None or not over:
        return None
    return float(value) * figure.ratio.factor / float(over)


def series(organization_id: int) -> list[dict]:
    """Every certified year of one LAO, oldest first: {"year": 2569, "population": …}.
    One statement, whatever the number of years."""
    rows = db.session.execute(
        _base([Submission.fiscal_year.label("year")])
        .where(Submission.organization_id == organization_id)
        .order_by(Submission.fiscal_year)).mappings().all()
    return [dict(row) for row in rows]


def year_values(organization_ids: list[int], be_year: int) -> dict[int, dict]:
    """The certified values of `be_year` of each LAO (absent when that year is not certified).
    One statement."""
    if not organization_ids:
        return {}
    rows = db.session.execute(
        _base([Submission.organization_id.label("organization_id")])
        .where(Submission.organization_id.in_(organization_ids),
               Submission.fiscal_year == be_year)).mappings().all()
    return {row["organization_id"]: dict(row) for row in rows}


def medians(be_year: int, org_types: list[OrgType]) -> dict[tuple[str, str], dict]:
    """The median of every figure and ratio over the certified LAO-years of `be_year` of each
    type, per province and nationally: {(type value, province code or ""): {key: median, …,
    "key/ratio": median, "n": how many LAO-years}}.

    One statement: the LAO-years' values once (a CTE), unpivoted to (measure, type, place,
    value), and the median of each group (models/rules/peers.grouped_median: percentile_cont
    on PostgreSQL, the middle of a window on SQLite — the same number)."""
    if not org_types:
        return {}
    ratios = [f for f in FIGURES if f.ratio is not None]
    base = _base([Submission.org_type.label("org_type"),
                  Submission.province_code.label("province")]) \
        .where(Submission.fiscal_year == be_year, Submission.org_type.in_(org_types)).cte("base")
    measures = [(f.key, cast(base.c[f.key], Float)) for f in FIGURES]
    measures += [(f"{f.key}/ratio",
                  cast(base.c[f.key], Float) * f.ratio.factor
                  / func.nullif(cast(base.c[f.ratio.over], Float), 0)) for f in ratios]
    measures.append(("n", literal(1.0)))
    parts = []
    for name, expr in measures:
        for place in (base.c.province, literal("")):
            parts.append(select(literal(name).label("measure"), base.c.org_type.label("org_type"),
                                place.label("place"), expr.label("v"))
                         .where(expr.is_not(None)))
    long = union_all(*parts).subquery("long")
    middle = grouped_median(long, long.c.v, [long.c.measure, long.c.org_type, long.c.place])
    out: dict[tuple[str, str], dict] = {}
    for measure, org_type, place, median, n in db.session.execute(middle):
        code = org_type.value if isinstance(org_type, OrgType) else str(org_type)
        entry = out.setdefault((_type_value(code), place or ""), {})
        if measure == "n":
            entry["n"] = int(n)
        else:
            entry[measure] = median
    return out


def _type_value(code: str) -> str:
    """The type's value whether the driver returned the enum's name or its value."""
    for kind in OrgType:
        if code in (kind.name, kind.value):
            return kind.value
    return code


def similar(organization: Organization, be_year: int, limit: int = 5) -> list[str]:
    """The DLA codes of the LAO and its nearest peers: same type, same province, certified in
    `be_year`, nearest in population (the LAO first).  One statement."""
    own = select(Section1General.population_total).join(
        Submission, Section1General.submission_id == Submission.id).where(
        Submission.organization_id == organization.id, Submission.fiscal_year == be_year,
        is_public()).scalar_subquery()
    rows = db.session.execute(
        select(Organization.dla_code)
        .join(Submission, Submission.organization_id == Organization.id)
        .join(Section1General, Section1General.submission_id == Submission.id)
        .where(Submission.fiscal_year == be_year, is_public(),
               Organization.org_type == organization.org_type,
               Organization.province_code == organization.province_code,
               Section1General.population_total.is_not(None))
        .order_by(case((Organization.id == organization.id, 0), else_=1),
                  func.abs(Section1General.population_total - own), Organization.dla_code)
        .limit(limit)).scalars().all()
    return list(rows)


def plain(value) -> float | int | None:
    """A value for a chart's JSON (Decimal is not JSON)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value
