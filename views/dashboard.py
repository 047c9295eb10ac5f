"""ความก้าวหน้าการบันทึกและรับรองข้อมูล: the progress dashboards of the yearly round (issue 9
item 1) — the nation per province (dla_admin), a province per district and per LAO type, a
district per LAO — with the lagging LAOs as a table, a CSV and a print page for a reminder letter.

The numbers come from models/reads/progress.py (GROUP BY, the one scope rule); each count links to the
officers' review list filtered to exactly those LAO-years (SubmissionReviewView.filtered_url).
A place outside the user's scope, or a year that does not exist, is a 404.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import Response, abort, request
from flask_admin import BaseView, expose
from flask_babel import force_locale, gettext
from flask_login import current_user

from models.reads import progress
from models.catalogue.reading import parse_code, parse_year
from models.tables.organizations import ORG_TYPE_SHORT, OrgType
from models.reads.progress import TIMELINESS_SORTS, Counts, Place
from models.reads.standing import Timeliness
from models.exchange.workbooks import table_workbook
from workflow import (BANGKOK, SECTION_COUNT, Permission, Role, Status, roles_for, thai_date,
                      today_in_thailand)

from .base import RoleGated, be_file_name, csv_safe, send_workbook
from .presentation import enum_label

# The lagging LAOs shown on the page (the CSV and the print page list them all).
LAGGING_ON_PAGE = 100


class ProgressDashboardView(RoleGated, BaseView):
    """The dashboards; who may open them is Permission.SEE_DASHBOARDS, what they count is the
    user's scope."""

    roles = roles_for(Permission.SEE_DASHBOARDS)

    def __init__(self, review, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.review = review          # the SubmissionReviewView every count links to

    # --- what the request asks for ---------------------------------------------------------
    def _year_and_place(self):
        """(the fiscal year, the place, every year) of the request, or 404."""
        years = progress.fiscal_years()
        raw_year = request.args.get("year")
        if raw_year:
            wanted = parse_year(raw_year)
            year = next((y for y in years if y.be_year == wanted), None)
        else:
            year = progress.default_year(years)
        if year is None:
            abort(404)
        raw_district, raw_province = request.args.get("district"), request.args.get("province")
        if raw_district:
            place = progress.find_place(current_user, district=parse_code(raw_district, digits=4))
        elif raw_province:
            place = progress.find_place(current_user, province=parse_code(raw_province, digits=2))
        else:
            place = progress.home_place(current_user)
        if place is None:
            abort(404)
        return year, place, years

    def _linker(self, year: int, place: Place):
        """where → the review list's URL for those LAO-years of `year` in `place`."""
        build = self.review.link_builder()
        scope = {"province": place.code} if place.level == "province" else \
            {"district": place.code} if place.level == "district" else {}

        def link(**where: Any) -> str:
            return build(year=year, **scope, **where)
        return link

    @staticmethod
    def _with_links(row: Counts, link, **key: Any) -> Counts:
        row.links = {
            "laos": link(**key),
            "draft": link(**key, status=Status.DRAFT),
            "lao_certified": link(**key, status=Status.LAO_CERTIFIED),
            "province_certified": link(**key, status=Status.PROVINCE_CERTIFIED),
            "complete": link(**key, sections=SECTION_COUNT),
            "returned": link(**key, returned="returned"),
            "warnings": link(**key, status=Status.LAO_CERTIFIED, warnings_above=0),
            **{t.value: link(**key, timeliness=t) for t in Timeliness},
        }
        return row

    @staticmethod
    def _place_args(place: Place) -> dict[str, str]:
        """The URL arguments that keep the place (the year picker, the CSV, the print page)."""
        return {} if place.level == "nation" else {place.level: place.code}

    # --- the pages ---------------------------------------------------------------------------
    @expose("/")
    def index_view(self):
        year, place, years = self._year_and_place()
        be = year.be_year
        link = self._linker(be, place)
        groupings, rows = [], []
        sort = _sort_arg()
        if place.level == "nation":
            rows = progress.grouped_counts(current_user, be, place, "province")
            groupings.append(self._grouping("province", gettext("รายจังหวัด"),
                                            gettext("จังหวัด"), rows, link))
        elif place.level == "province":
            rows = progress.grouped_counts(current_user, be, place, "district")
            groupings.append(self._grouping("district", gettext("รายอำเภอ"),
                                            gettext("อำเภอ"), rows, link))
        by_type = progress.grouped_counts(current_user, be, place, "org_type")
        for row in by_type:
            row.label = enum_label(OrgType(row.key))
        groupings.append(self._grouping("org_type", gettext("รายประเภท อปท."),
                                        gettext("ประเภท อปท."), by_type, link))
        total = self._with_links(progress.total_of(rows or by_type,
                                                   gettext("รวม")), link)
        laos = progress.lao_rows(current_user, be, place) if place.level == "district" else []
        days = progress.movement(current_user, year, place, total)
        lagging = progress.lagging(current_user, be, place, limit=LAGGING_ON_PAGE)
        today = today_in_thailand()
        for g in groupings:  # the timeliness table, in the order asked for (?sort=late)
            g["timely_rows"] = _sorted(g["rows"], *sort) if g["drill"] else g["rows"]
        return self.render(
            "admin/dashboard/index.html", year=year, years=years, place=place, total=total,
            sort=sort, timeliness=list(Timeliness),
            groupings=groupings, laos=laos, days=days, lagging=lagging,
            days_left=(year.deadline - today).days, today=today,
            crumbs=self._crumbs(place), place_args=self._place_args(place),
            movement_chart=_movement_chart(days), movement_rows=_changed_days(days),
            laos_chart=_laos_chart(laos),
            org_type_short=ORG_TYPE_SHORT, lagging_limit=LAGGING_ON_PAGE)

    def _grouping(self, by: str, title: str, column: str, rows: list[Counts], link) -> dict:
        for row in rows:
            self._with_links(row, link, **{by: row.key})
        # A province or district name opens that place's own dashboard.
        drill = by if by in ("province", "district") else None
        return dict(by=by, title=title, column=column, rows=rows, drill=drill,
                    chart=_status_chart(rows), id=f"chart-{by}")

    def _crumbs(self, place: Place) -> list[tuple[str, str | None]]:
        """ทั้งประเทศ › จังหวัด › อำเภอ, each a link when the user may open it."""
        role = Role(current_user.role)
        crumbs = []
        if role is Role.DLA_ADMIN:
            crumbs.append((gettext("ทั้งประเทศ"), self.get_url(".index_view")))
        if place.level in ("province", "district") and role in (Role.DLA_ADMIN,
                                                               Role.PROVINCE_OFFICER):
            crumbs.append((gettext("จังหวัด%(name)s", name=place.province_name),
                           self.get_url(".index_view", province=place.province_code)))
        if place.level == "district":
            crumbs.append((gettext("อำเภอ%(name)s", name=place.name),
                           self.get_url(".index_view", district=place.code)))
        return crumbs

    def _lagging_table(self) -> tuple[Any, Any, list[str], list[list]]:
        """(year, place, Thai headers, rows) of the lagging LAOs: the CSV's and the workbook's
        (data products: Thai whatever the screen's language)."""
        year, place, _years = self._year_and_place()
        rows = progress.lagging(current_user, year.be_year, place)
        with force_locale("th"):
            heads = [gettext("ลำดับ"), gettext("รหัส อปท."), gettext("อปท."), gettext("ประเภท"),
                     gettext("อำเภอ"), gettext("จังหวัด"), gettext("บันทึกครบ (ด้าน)"),
                     gettext("ส่งคืนแก้ไข"), gettext("ข้อสังเกต ⚠")]
            table = [[n, r.dla_code, r.name, str(enum_label(r.org_type)), r.district, r.province,
                      f"{r.sections_complete}/{SECTION_COUNT}",
                      gettext("ส่งคืน") if r.returned else "", r.warnings_count]
                     for n, r in enumerate(rows, start=1)]
        return year, place, heads, table

    @expose("/lagging.csv")
    def lagging_export(self):
        """The lagging LAOs as CSV: UTF-8 with a byte-order mark (Excel reads Thai), formula-
        safe cells, the BE date in the file name."""
        year, place, heads, table = self._lagging_table()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(heads)
        writer.writerows([csv_safe(v) for v in row] for row in table)
        name = be_file_name(f"lagging-{year.be_year}-{place.code or 'all'}", "csv")
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})

    @expose("/lagging.xlsx")
    def lagging_workbook(self):
        """The lagging LAOs as a workbook (one sheet, text never a formula)."""
        year, place, heads, table = self._lagging_table()
        with force_locale("th"):
            where = (gettext("ทั้งประเทศ") if place.level == "nation" else
                     gettext("จังหวัด%(name)s", name=place.name) if place.level == "province" else
                     gettext("อำเภอ%(name)s จังหวัด%(province)s", name=place.name,
                             province=place.province_name))
            title = " · ".join((gettext("รายชื่อ อปท. ที่ยังไม่รับรองข้อมูล"), where,
                                gettext("ปีงบประมาณ %(year)s", year=year.be_year)))
        return send_workbook(
            lambda out: table_workbook(out, "lagging", title, heads, table),
            be_file_name(f"lagging-{year.be_year}-{place.code or 'all'}", "xlsx"))

    @expose("/lagging/print")
    def lagging_print(self):
        """The lagging LAOs on A4: the attachment of a reminder letter."""
        year, place, _years = self._year_and_place()
        rows = progress.lagging(current_user, year.be_year, place)
        return self.render("admin/dashboard/print.html", year=year, place=place, rows=rows,
                           printed=datetime.now(BANGKOK), deadline=thai_date(year.deadline),
                           place_args=self._place_args(place))


# --- the timeliness table's order ------------------------------------------------------------

def _sort_arg() -> tuple[str | None, bool]:
    """(the column the timeliness table is sorted by, descending) from ?sort=late or
    ?sort=-late (ascending); anything else is ignored (the place's own order)."""
    raw = request.args.get("sort", "")
    name = raw.lstrip("-")
    if name not in TIMELINESS_SORTS:
        return None, True
    return name, not raw.startswith("-")


def _sorted(rows: list[Counts], name: str | None, descending: bool) -> list[Counts]:
    """The rows by `name` (ties in the place's own order), or as they are."""
    if name is None:
        return rows
    order = {id(r): i for i, r in enumerate(rows)}
    return sorted(rows, key=lambda r: (-getattr(r, name) if descending else getattr(r, name),
                                       order[id(r)]))


# --- chart data (read by static/js/charts.js from a <script type="application/json">) --------

def _status_chart(rows: list[Counts]) -> dict:
    """A stacked bar per group: draft, LAO-certified, province-certified."""
    return dict(type="bar", stacked=True, horizontal=len(rows) > 12,
                labels=[r.label for r in rows],
                datasets=[dict(label=enum_label(s), status=s.value,
                               data=[getattr(r, s.value) for r in rows]) for s in Status])


def _movement_chart(days: list) -> dict:
    """A line per status: the counts at the end of each day since the round opened."""
    return dict(type="line", labels=[thai_date(d.day) for d in days],
                datasets=[dict(label=enum_label(s), status=s.value,
                               data=[getattr(d, s.value) for d in days]) for s in Status])


def _short_name(row) -> str:
    """อบต.ดอนขวาง for องค์การบริหารส่วนตำบลดอนขวาง: a chart's label fits a phone."""
    full, short = row.org_type.label_th, ORG_TYPE_SHORT[row.org_type]
    return short + row.name[len(full):] if row.name.startswith(full) else row.name


def _changed_days(days: list) -> list:
    """The days the table lists, newest first: today, the opening day, and every day a count
    moved (the chart draws every day)."""
    return [d for i, d in enumerate(reversed(days)) if d.changed or i in (0, len(days) - 1)]


def _laos_chart(laos: list) -> dict:
    """A bar per LAO of a district: how many of its 8 sections are complete."""
    return dict(type="bar", horizontal=True, max=SECTION_COUNT,
                labels=[_short_name(r) for r in laos],
                datasets=[dict(label=gettext("บันทึกครบ (ด้าน)"), status="sections",
                               data=[r.sections_complete for r in laos])])
