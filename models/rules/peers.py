"""Findings against peers (issue 24): is a value far from what LAOs of the same type report?

For every numeric field of the catalogue and every fiscal year, `recompute_bands` keeps in
`peer_band` the median and the median absolute deviation (MAD) of the values of every LAO-year
of each type, per province and nationally — or of the values per head, where the catalogue
says that is what compares (money).  Set-based: the values are read unpivoted in one statement
(a UNION ALL over the catalogue's columns), the medians are `percentile_cont` on PostgreSQL and
a window (row_number over the sorted values) on SQLite, the same number either way.

`evaluate` then finds the LAO-years whose value is far from their band — Iglewicz and
Hoaglin's modified z-score 0.6745 × (x − median) ÷ MAD above the threshold of
data/findings.toml — against their province's band when it has enough LAO-years, the
country's otherwise, and keeps them as ⚠ findings of kind "peer" (models/tables/submissions.
SectionWarning): a finding that is still there for the same value keeps its explanation, one
whose value changed or is no longer far goes.  The section save runs it for the saved rows
(a few statements), the recomputation for a whole year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (Float, String, and_, case, cast, delete, func, insert, literal, or_,
                        select, text, union_all)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from workflow import _

from ..base import db, utcnow
from ..catalogue import columns as meta
from ..catalogue.columns import catalogue_columns
from ..catalogue.rule_kinds import fmt, with_unit
from ..tables.organizations import OrgType
from ..tables.sections import SECTIONS, Section1General
from ..tables.submissions import PeerBand, SectionWarning, Submission
from .thresholds import THRESHOLDS

NUMERIC_KINDS = ("count", "money", "decimal", "percent")
PEER = "peer"
CONSISTENCY = 0.6745     # Φ⁻¹(0.75): makes the MAD comparable with a standard deviation


def compared(section_cls: type) -> list[Any]:
    """The section's numeric catalogue columns a peer band is kept for (not derived totals,
    not read-only copies, not a column the catalogue marks `peer="none"`)."""
    return [c for c in catalogue_columns(section_cls)
            if c.info.get("kind") in NUMERIC_KINDS and not c.info.get("derived")
            and not c.info.get("readonly") and c.info.get("peer") != "none"]


def basis(column: Any) -> str:
    """What is compared: the value, or the value per head (money: a budget is comparable
    between a town of 3,000 and one of 80,000 only per person)."""
    return column.info.get("peer") or ("per_head" if column.info.get("kind") == "money"
                                       else "value")


def field_key(column: Any) -> str:
    return f"{column.table.name}.{column.key}"


def _long(sections: Iterable[type], where: Any, numbered: bool = False) -> Any:
    """One row per (LAO-year, field) with a value: submission id, year, type, province, section
    number, field, the value as compared (v) and as stored (raw).  A UNION ALL, one SELECT per
    column, each over the section joined to its submission (and ด้าน 1 for per-head values)."""
    parts = []
    population = Section1General.population_total
    number = 0
    for section_cls in sections:
        for column in compared(section_cls):
            raw = cast(column, Float)
            per_head = basis(column) == "per_head"
            value = raw / func.nullif(cast(population, Float), 0) if per_head else raw
            query = (select(Submission.id.label("sid"), Submission.fiscal_year.label("year"),
                            Submission.org_type.label("org_type"),
                            Submission.province_code.label("province"),
                            literal(section_cls.SECTION_NO).label("section_no"),
                            (literal(number) if numbered else literal(field_key(column)))
                            .label("fid" if numbered else "field"), value.label("v"),
                            raw.label("raw"))
                     .select_from(section_cls)
                     .join(Submission, Submission.id == section_cls.submission_id))
            if per_head and section_cls is not Section1General:
                query = query.outerjoin(Section1General,
                                        Section1General.submission_id == Submission.id)
            parts.append(query.where(where, column.is_not(None), value.is_not(None)))
            number += 1
    return union_all(*parts)


def grouped_median(source: Any, value: ColumnElement, groups: Sequence[ColumnElement]) -> Any:
    """SELECT groups…, median(value), count FROM source GROUP BY groups — percentile_cont on
    PostgreSQL; on SQLite the middle one or two of the sorted values (the same number)."""
    if db.engine.dialect.name == "postgresql":
        return select(*groups, func.percentile_cont(0.5).within_group(value).label("median"),
                      func.count().label("n")).select_from(source).group_by(*groups)
    ranked = select(*[g.label(g.name) for g in groups], value.label("v"),
                    func.row_number().over(partition_by=groups, order_by=value).label("rn"),
                    func.count().over(partition_by=groups).label("n")) \
        .select_from(source).subquery("ranked")
    keys = [ranked.c[g.name] for g in groups]
    return (select(*keys, func.avg(ranked.c.v).label("median"), func.max(ranked.c.n).label("n"))
            .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(*keys))


def _no_jit() -> None:
    """PostgreSQL's JIT compiles every branch of the 167-way UNION ALL before running it: the
    national recomputation took 43 s with it, 11.6 s without (EXPLAIN ANALYZE: 70 s of the
    Append's start-up).  Off for this transaction only."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _binary(expr: ColumnElement) -> ColumnElement:
    """A text key compared byte by byte: PostgreSQL's default collation (glibc's th_TH or
    en_US) made sorting 2.6 million (field, type, place) keys take 40 s instead of 3."""
    if db.engine.dialect.name == "postgresql":
        return cast(expr, String).collate("C")
    return expr


def recompute_bands(be_year: int, now: datetime | None = None) -> int:
    """Every band of `be_year` computed again from the values in the database: the year's
    bands deleted and inserted by one INSERT … SELECT (median, then MAD around it, per field,
    type and place).  Returns how many bands there are."""
    now = now or utcnow()
    _no_jit()
    fields = [field_key(c) for s in SECTIONS for c in compared(s)]
    long = _long(SECTIONS, Submission.fiscal_year == be_year, numbered=True).cte("long")
    org_type, province = _binary(long.c.org_type), _binary(long.c.province)
    placed = union_all(
        select(long.c.fid, org_type.label("org_type"), province.label("place"), long.c.v),
        select(long.c.fid, org_type.label("org_type"), _binary(literal("")).label("place"),
               long.c.v)).cte("placed")
    groups = [placed.c.fid, placed.c.org_type, placed.c.place]
    med = grouped_median(placed, placed.c.v, groups).cte("med")
    deviation = (select(placed.c.fid, placed.c.org_type, placed.c.place,
                        func.abs(placed.c.v - med.c.median).label("d"))
                 .join(med, and_(med.c.fid == placed.c.fid,
                                 med.c.org_type == placed.c.org_type,
                                 med.c.place == placed.c.place))).subquery("deviation")
    mad = grouped_median(deviation, deviation.c.d,
                         [deviation.c.fid, deviation.c.org_type, deviation.c.place]
                         ).subquery("mad")
    field = case({i: name for i, name in enumerate(fields)}, value=med.c.fid)
    rows = (select(literal(be_year), med.c.org_type, med.c.place, field, med.c.n,
                   med.c.median, mad.c.median, literal(now))
            .join(mad, and_(mad.c.fid == med.c.fid, mad.c.org_type == med.c.org_type,
                            mad.c.place == med.c.place)))
    db.session.execute(delete(PeerBand).where(PeerBand.fiscal_year == be_year))
    db.session.execute(insert(PeerBand).from_select(
        ["fiscal_year", "org_type", "province_code", "field", "n", "median", "mad",
         "computed_at"], rows))
    return db.session.scalar(select(func.count()).select_from(PeerBand)
                             .where(PeerBand.fiscal_year == be_year)) or 0


# --- findings ----------------------------------------------------------------------------------

def _candidates(sections: Sequence[type], where: Any) -> list[Any]:
    """(LAO-year, field) pairs whose value is far from its band, in one statement."""
    peer = THRESHOLDS["peer"]
    _no_jit()
    long = _long(sections, where).subquery("long")
    own = PeerBand.__table__.alias("own_province")
    country = PeerBand.__table__.alias("country")

    def band(table, place):
        return and_(table.c.fiscal_year == long.c.year, table.c.org_type == long.c.org_type,
                    table.c.field == long.c.field, table.c.province_code == place)
    local = and_(own.c.n >= peer["min_peers"], own.c.mad > 0)
    median = case((local, own.c.median), else_=country.c.median)
    mad = case((local, own.c.mad), else_=country.c.mad)
    z = CONSISTENCY * (long.c.v - median) / func.nullif(mad, 0)
    query = (select(long.c.sid, long.c.section_no, long.c.field, long.c.org_type, long.c.v,
                    long.c.raw, median.label("median"), z.label("z"),
                    case((local, own.c.n), else_=country.c.n).label("n"),
                    case((local, long.c.province), else_=literal("")).label("place"))
             .select_from(long)
             .outerjoin(own, band(own, long.c.province))
             .outerjoin(country, band(country, literal("")))
             .where(func.abs(z) > peer["modified_z"]))
    return list(db.session.execute(query))


def evaluate(sections: Sequence[type], where: Any) -> set[int]:
    """Keep the peer findings of the LAO-years `where` selects in `sections` up to date with
    their values and the stored bands: new ones written, ones no longer far or whose value
    changed removed, unchanged ones (and their explanations) kept.  Returns the submission
    ids whose findings changed (their counters need refreshing)."""
    found = _candidates(sections, where)
    numbers = {s.SECTION_NO: s for s in sections}
    columns = {field_key(c): c for s in sections for c in compared(s)}
    existing = db.session.execute(
        select(SectionWarning.id, SectionWarning.submission_id, SectionWarning.field,
               SectionWarning.section_no, SectionWarning.value)
        .join(Submission, Submission.id == SectionWarning.submission_id)
        .where(SectionWarning.kind == PEER, SectionWarning.section_no.in_(list(numbers)),
               where)).all()
    now_far = {(r.sid, _column_key(r.field)): r for r in found}
    keep = {(r.submission_id, r.field): r for r in existing
            if (r.submission_id, r.field) in now_far
            and r.value == _stored(now_far[(r.submission_id, r.field)].v)}
    obsolete = [r.id for r in existing if (r.submission_id, r.field) not in keep]
    new = [dict(submission_id=r.sid, section_no=r.section_no, field=_column_key(r.field),
                kind=PEER, value=_stored(r.v), median=float(r.median), peers=int(r.n),
                peer_place=r.place, score=abs(float(r.z)),
                message=peer_message(columns[r.field], r, _org_type(r.org_type)))
           for key, r in now_far.items() if key not in keep]
    if obsolete:
        db.session.execute(delete(SectionWarning).where(SectionWarning.id.in_(obsolete)))
    if new:
        db.session.execute(insert(SectionWarning), new)
    return {r.submission_id for r in existing if r.id in set(obsolete)} | \
        {row["submission_id"] for row in new}


def _column_key(field: str) -> str:
    """"section1_general.population_total" → "population_total" (as rule findings name it)."""
    return field.split(".", 1)[1]


def _stored(value: Any) -> str:
    """The compared value as kept with the finding (a changed value is evaluated again)."""
    # Every digit a float holds: a budget of 42,167,091 changed to 42,167,092 is a changed
    # value (6 significant digits kept the explanation of the old one).
    return repr(float(value))


def _org_type(value: Any) -> OrgType:
    return value if isinstance(value, OrgType) else OrgType(value)


def peer_message(column: Any, row: Any, org_type: OrgType) -> str:
    """"ประชากรรวม สูงกว่า องค์การบริหารส่วนตำบล ในจังหวัดเดียวกัน 92 % — มัธยฐาน 4,210 คน"."""
    info = column.info
    per_head = basis(column) == "per_head"
    unit = meta.unit(info)
    unit = _("%(unit)s/คน", unit=unit) if per_head and unit else unit
    median = Decimal(str(round(float(row.median), 2 if per_head else 0)))
    value = Decimal(str(round(float(row.v), 2 if per_head else 2)))
    share = abs(float(row.v) - float(row.median)) / abs(float(row.median)) * 100 \
        if row.median else None
    where = _("ในจังหวัดเดียวกัน") if row.place else _("ทั้งประเทศ")
    label = meta.label(info) + (" " + _("ต่อประชากร 1 คน") if per_head else "")
    higher = float(row.v) > float(row.median)
    words = dict(label=label, type=org_type.shown, where=where,
                 value=with_unit(fmt(value.normalize()), unit),
                 median=with_unit(fmt(median.normalize()), unit),
                 share=f"{share:,.0f}" if share is not None else "–", n=f"{int(row.n):,}")
    if higher:
        return _("%(label)s %(value)s สูงกว่า %(type)s %(where)s %(share)s%% — มัธยฐาน %(median)s "
                 "(%(n)s แห่ง) โปรดตรวจสอบความถูกต้อง", **words)
    return _("%(label)s %(value)s ต่ำกว่า %(type)s %(where)s %(share)s%% — มัธยฐาน %(median)s "
             "(%(n)s แห่ง) โปรดตรวจสอบความถูกต้อง", **words)


def entry_reference(submission_id: int, section_cls: type
                    ) -> tuple[dict[str, tuple[float, float, str, str]], dict[str, Any], Any]:
    """What the form shows beside each numeric field, in one statement: (column key → (low,
    high, basis, place) among the LAO-year's peers — its province's band when it has enough
    LAO-years of the type, the country's ("") otherwise: median ± typical_range × 1.4826 ×
    MAD, never below zero —, column key → last year's value, the LAO-year's type).  The
    submission, left-joined to its bands and to the section of the LAO's latest earlier year
    (models/tables/submissions.previous_submission_id, as the rules' ±50 % reads it)."""
    from ..tables.submissions import previous_submission_id
    peer = THRESHOLDS["peer"]
    fields = {field_key(c): c for c in compared(section_cls)}
    earlier = aliased(section_cls, name="earlier_section")
    previous = [getattr(earlier, c.key) for c in compared(section_cls)]
    rows = db.session.execute(
        select(Submission.org_type, PeerBand.field, PeerBand.province_code, PeerBand.n,
               PeerBand.median, PeerBand.mad, *previous)
        .select_from(Submission)
        .outerjoin(PeerBand, and_(PeerBand.fiscal_year == Submission.fiscal_year,
                                  PeerBand.org_type == Submission.org_type,
                                  PeerBand.field.in_(list(fields)),
                                  or_(PeerBand.province_code == Submission.province_code,
                                      PeerBand.province_code == "")))
        .outerjoin(earlier, earlier.submission_id == previous_submission_id(
            Submission.organization_id, Submission.fiscal_year))
        .where(Submission.id == submission_id)).all()
    if not rows:
        return {}, {}, None
    before = {c.key: v for c, v in zip(compared(section_cls), rows[0][6:])}
    chosen: dict[str, Any] = {}
    for row in sorted((r for r in rows if r.field is not None),
                      key=lambda r: r.province_code == ""):   # the province's first
        usable = row.province_code == "" or (row.n >= peer["min_peers"] and row.mad > 0)
        if usable and row.field not in chosen:
            chosen[row.field] = row
    ranges = {}
    for field, row in chosen.items():
        spread = peer["typical_range"] * 1.4826 * row.mad
        column = fields[field]
        ranges[column.key] = (max(0.0, row.median - spread), row.median + spread,
                              basis(column), row.province_code)
    return ranges, before, rows[0].org_type


__all__ = ["grouped_median", "compared", "basis", "field_key", "recompute_bands", "evaluate", "peer_message",
           "entry_reference", "PEER"]
