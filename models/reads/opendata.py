"""INFO as an open-data publisher (issue 23): the data dictionary of every published field, the
national CSV of a certified year, and the facts a DCAT catalogue states about each dataset.
Certified data only and never a personal field: everything reads through models/reads/public.py
(`is_public`, `published`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..base import db
from ..catalogue.rule_kinds import ColumnRule, rules_of
from ..tables.geography import District, Province
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, SECTIONS
from ..tables.submissions import CertificationEvent, Submission
from .public import is_public, published

# The LAO columns that start every row of the national CSV: (name, Thai title, English title).
LAO_FIELDS = (("dla_code", "รหัส อปท.", "DLA code"), ("name_th", "ชื่อ อปท.", "LAO name"),
              ("name_en", "ชื่อ อปท. (อังกฤษ)", "LAO name (English)"),
              ("org_type", "ประเภท อปท.", "LAO type"),
              ("province_code", "รหัสจังหวัด", "Province code"),
              ("province", "จังหวัด", "Province"), ("district", "อำเภอ", "District"),
              ("fiscal_year", "ปีงบประมาณ (พ.ศ.)", "Fiscal year (BE)"),
              ("status", "สถานะการรับรองข้อมูล", "Certification status"))
# CSVW datatypes (https://www.w3.org/TR/tabular-data-primer/) of the catalogue's kinds.
DATATYPES = {"count": "integer", "year_be": "integer", "money": "decimal",
             "decimal": "decimal", "percent": "decimal", "lat": "decimal", "lon": "decimal",
             "text": "string", "longtext": "string", "choice": "string", "flag": "boolean",
             "date": "date", "subdistrict": "string"}


def csv_name(section_cls: type, key: str) -> str:
    """A field's column name in the national CSV: s7_rainfall (unique across sections)."""
    return f"s{section_cls.SECTION_NO}_{key}"


def dictionary() -> list[dict[str, Any]]:
    """Every published field (section fields, then their child tables' fields): its section,
    code, Thai and English labels, unit, type, aggregation, whether it is required, its range,
    length, choices and rules.  Personal fields are not published, so not listed."""
    from workflow import translated
    out = []
    for section_cls in SECTIONS:
        tables = [(section_cls, None), *((child, name) for name, child in
                                         CHILDREN.get(section_cls, ()))]
        for table_cls, child_name in tables:
            rules = [r for r in rules_of(table_cls) if not isinstance(r, ColumnRule)]
            for column in published(table_cls):
                info = column.info
                out.append(dict(
                    section_no=section_cls.SECTION_NO, section_th=section_cls.TITLE_TH,
                    section_en=section_cls.TITLE_EN, table=table_cls.__tablename__,
                    child=child_name, field=column.key,
                    csv_name=None if child_name else csv_name(section_cls, column.key),
                    title_th=info["label_th"], title_en=info.get("label_en") or "",
                    unit=info.get("unit") or "", kind=info["kind"],
                    datatype=DATATYPES.get(info["kind"], "string"),
                    aggregate=info.get("aggregate") or "", required=bool(info.get("required")),
                    minimum=_plain(info.get("min")), maximum=_plain(info.get("max")),
                    max_length=info.get("max_length"),
                    choices=[dict(code=m.value, label_th=getattr(m, "label_th", str(m.value)),
                                  label_en=getattr(m, "label_en", str(m.value)))
                             for m in info["choices"]] if info.get("choices") else [],
                    derived=bool(info.get("derived")),
                    help=translated(info["help"]) if info.get("help") else "",
                    rules=[r.message for r in rules if column.key in r.columns]))
    return out


def _plain(value: Any) -> Any:
    return None if value is None else str(value)


def national_columns() -> list[tuple[type, Any]]:
    """(section, column) of every published section field, in catalogue order."""
    return [(section_cls, column) for section_cls in SECTIONS
            for column in published(section_cls)]


def national_rows(be_year: int, province: str | None = None) -> Iterator[list[Any]]:
    """One row per certified LAO-year of `be_year` (of `province`): the LAO columns, then every
    published section field — one statement, streamed in batches."""
    fields = national_columns()
    query = (select(Organization.dla_code, Organization.name_th, Organization.name_en,
                    Organization.org_type, Submission.province_code, Province.name_th,
                    District.name_th, Submission.fiscal_year, Submission.status,
                    *[column for _s, column in fields])
             .select_from(Submission)
             .join(Organization, Submission.organization_id == Organization.id)
             .join(Province, Submission.province_code == Province.code)
             .join(District, Submission.district_code == District.code))
    for section_cls in SECTIONS:
        query = query.outerjoin(section_cls, section_cls.submission_id == Submission.id)
    query = query.where(Submission.fiscal_year == be_year, is_public())
    if province:
        query = query.where(Submission.province_code == province)
    query = query.order_by(Submission.province_code, Submission.district_code,
                           Organization.dla_code).execution_options(yield_per=500)
    for row in db.session.execute(query):
        yield list(row)


def datasets() -> list[dict[str, Any]]:
    """The datasets a catalogue lists: each fiscal year with certified data, nationally and per
    province that has some — with how many LAO-years it holds and when it last changed (its
    newest certification event).  Two statements whatever the number of years."""
    counts = db.session.execute(
        select(Submission.fiscal_year, Submission.province_code, Province.name_th, func.count())
        .join(Province, Submission.province_code == Province.code)
        .where(is_public()).group_by(Submission.fiscal_year, Submission.province_code,
                                     Province.name_th)).all()
    changed = dict(((year, province), at) for year, province, at in db.session.execute(
        select(Submission.fiscal_year, Submission.province_code,
               func.max(CertificationEvent.created_at))
        .join(Submission, CertificationEvent.submission_id == Submission.id)
        .group_by(Submission.fiscal_year, Submission.province_code)).all())
    out: dict[tuple[int, str | None], dict[str, Any]] = {}
    for year, province, name, n in counts:
        out[(year, province)] = dict(year=year, province=province, province_name=name, laos=n,
                                     modified=changed.get((year, province)))
        nation = out.setdefault((year, None), dict(year=year, province=None, province_name=None,
                                                   laos=0, modified=None))
        nation["laos"] += n
        stamp = changed.get((year, province))
        if stamp is not None and (nation["modified"] is None or stamp > nation["modified"]):
            nation["modified"] = stamp
    return sorted(out.values(), key=lambda d: (-d["year"], d["province"] or ""))


def fiscal_year_span(be_year: int) -> tuple[date, date]:
    """The fiscal year BE `be_year` as Gregorian dates: 1 Oct of the year before to 30 Sep."""
    year = be_year - 543
    return date(year - 1, 10, 1), date(year, 9, 30)


__all__ = ["dictionary", "national_columns", "national_rows", "datasets", "csv_name",
           "fiscal_year_span", "LAO_FIELDS", "DATATYPES"]
