"""Open data a portal can harvest (issue 23): a DCAT catalogue (JSON-LD and Turtle, written with
rdflib) with one dataset per fiscal year nationally and per province, the national CSV of each
certified year, and the data dictionary as a page and as CSVW metadata.  Certified data only, no
personal field, under the configured licence (models/reads/opendata.py)."""

from __future__ import annotations

import csv
import io
from datetime import timezone
from decimal import Decimal
from typing import Any

from flask import (Blueprint, Response, abort, current_app, render_template, request,
                   stream_with_context, url_for)
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from models import utcnow
from models.catalogue.reading import parse_code, parse_year
from models.reads import opendata, public
from workflow import SECTION_COUNT

bp = Blueprint("opendata", __name__)
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CSV_TYPE, XLSX_TYPE = "text/csv", \
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IANA = "http://www.iana.org/assignments/media-types/"


# --- the data dictionary -----------------------------------------------------------------------

@bp.route("/data-dictionary")
def data_dictionary():
    """Every published field: section, code, labels, unit, type, aggregation and rules."""
    return render_template("public/dictionary.html", fields=opendata.dictionary())


@bp.route("/data-dictionary.json")
def data_dictionary_json():
    """CSVW metadata (W3C Tabular Data) of the national CSV of every certified year."""
    fields = [f for f in opendata.dictionary() if f["csv_name"]]
    columns = [dict(name=name, titles={"th": th, "en": en}, datatype="string")
               for name, th, en in opendata.LAO_FIELDS]
    for f in fields:
        column: dict[str, Any] = dict(
            name=f["csv_name"], titles={"th": f["title_th"], "en": f["title_en"]},
            datatype=f["datatype"], required=False,
            **{"dc:description": f"ด้านที่ {f['section_no']} {f['section_th']}"
                                 + (f" ({f['unit']})" if f["unit"] else "")})
        if f["aggregate"]:
            column["info:aggregate"] = f["aggregate"]
        if f["minimum"] is not None and f["datatype"] in ("integer", "decimal"):
            column["datatype"] = {"base": f["datatype"], "minimum": f["minimum"]}
            if f["maximum"] is not None:
                column["datatype"]["maximum"] = f["maximum"]
        columns.append(column)
    years = public.stat_years()
    body = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "th",
                                                   "info": url_for("opendata.data_dictionary",
                                                                   _external=True) + "#"}],
        "dc:title": "ข้อมูล อปท. ที่รับรองแล้ว (INFO) — พจนานุกรมข้อมูล",
        "dc:license": {"@id": current_app.config["DATA_LICENSE_URL"]},
        "dc:publisher": current_app.config["DATA_PUBLISHER_TH"],
        "tableSchema": {"columns": columns, "primaryKey": ["dla_code", "fiscal_year"]},
        "tables": [{"url": url_for("opendata.national_csv", be_year=year, _external=True)}
                   for year in years],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/csvm+json"
    return response


# --- the national CSV --------------------------------------------------------------------------

@bp.route("/opendata/<be_year>.csv")
def national_csv(be_year: str):
    """One row per certified LAO-year of a year (of one province: ?province=61), one column
    per published field, described by /data-dictionary.json (UTF-8 with BOM, for Excel)."""
    year = parse_year(be_year)
    if year is None or year not in public.stat_years():
        abort(404)
    province = parse_code(request.args.get("province"), digits=2)
    if request.args.get("province") and (province is None
                                          or public.province_name(province) is None):
        abort(404)
    heads = [name for name, _th, _en in opendata.LAO_FIELDS] + \
        [opendata.csv_name(s, c.key) for s, c in opendata.national_columns()]

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(heads)
        yield "\ufeff" + out.getvalue()
        for row in opendata.national_rows(year, province):
            out.seek(0)
            out.truncate()
            writer.writerow([_cell(v) for v in row])
            yield out.getvalue()
    name = f"info-certified-{province or 'th'}-{year}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}",
        "Link": f'<{current_app.config["DATA_LICENSE_URL"]}>; rel="license", '
                f'<{url_for("opendata.data_dictionary_json", _external=True)}>; '
                'rel="describedby"; type="application/csvm+json"'})


def _cell(value: Any) -> Any:
    """A CSV cell: enums as their code, exact decimals, booleans as true/false, a formula-like
    text quoted so a spreadsheet does not run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "value") and not isinstance(value, (int, Decimal)):
        return value.value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


# --- the DCAT catalogue ------------------------------------------------------------------------

def catalogue_graph() -> Graph:
    """The catalogue as an RDF graph (DCAT 2 / DCAT-AP: catalogue, datasets, distributions,
    publisher, licence, temporal coverage, modified date, keywords)."""
    config = current_app.config
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    graph.bind("vcard", VCARD)
    home = url_for("public.index", _external=True)
    catalog = URIRef(url_for("opendata.catalog_jsonld", _external=True))
    publisher = URIRef(config["DATA_PUBLISHER_URL"])
    licence = URIRef(config["DATA_LICENSE_URL"])
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(config["DATA_PUBLISHER_TH"], lang="th")))
    graph.add((publisher, FOAF.name, Literal(config["DATA_PUBLISHER_EN"], lang="en")))
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("ระบบข้อมูลกลางองค์กรปกครองส่วนท้องถิ่น (INFO)",
                                               lang="th")))
    graph.add((catalog, DCTERMS.title, Literal("INFO — Thai local administrative organizations'"
                                               " certified data", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(
        f"ข้อมูลพื้นฐาน {SECTION_COUNT} ด้านของ อปท. ที่ อปท. และจังหวัดรับรองแล้ว", lang="th")))
    graph.add((catalog, DCTERMS.description, Literal(
        f"Basic data in {SECTION_COUNT} categories of every LAO, certified by the LAO and its province",
        lang="en")))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.license, licence))
    graph.add((catalog, FOAF.homepage, URIRef(home)))
    graph.add((catalog, DCTERMS.language,
               URIRef("http://publications.europa.eu/resource/authority/language/THA")))
    dictionary = URIRef(url_for("opendata.data_dictionary_json", _external=True))
    for found in opendata.datasets():
        graph.add((catalog, DCAT.dataset, _dataset(graph, found, publisher, licence,
                                                   dictionary)))
    return graph


def _dataset(graph: Graph, found: dict[str, Any], publisher: URIRef, licence: URIRef,
             dictionary: URIRef) -> URIRef:
    year, province, name = found["year"], found["province"], found["province_name"]
    args = {"province": province} if province else {}
    landing = url_for("public.stats", year=year, _external=True)
    dataset = URIRef(landing + (f"&province={province}" if province else "") + "#dataset")
    place_th = f"จังหวัด{name}" if province else "ทั้งประเทศ"
    place_en = f"province {province}" if province else "Thailand"
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(f"info-{year}-{province or 'th'}")))
    graph.add((dataset, DCTERMS.title, Literal(
        f"ข้อมูล อปท. ที่รับรองแล้ว {place_th} ปีงบประมาณ {year}", lang="th")))
    graph.add((dataset, DCTERMS.title, Literal(
        f"Certified LAO data, {place_en}, fiscal year {year} BE", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        f"ข้อมูลพื้นฐาน {SECTION_COUNT} ด้านของ อปท. {found['laos']:,} แห่ง ({place_th}) ที่รับรองข้อมูล"
        f"ปีงบประมาณ {year} แล้ว หนึ่งแถวต่อ อปท. ไม่มีข้อมูลส่วนบุคคล", lang="th")))
    graph.add((dataset, DCTERMS.description, Literal(
        f"Basic data in {SECTION_COUNT} categories of {found['laos']:,} LAOs ({place_en}) certified for fiscal"
        f" year {year} BE, one row per LAO, no personal data", lang="en")))
    graph.add((dataset, DCTERMS.publisher, publisher))
    graph.add((dataset, DCTERMS.license, licence))
    graph.add((dataset, DCAT.landingPage, URIRef(landing)))
    start, end = opendata.fiscal_year_span(year)
    period = BNode()
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal(start, datatype=XSD.date)))
    graph.add((period, DCAT.endDate, Literal(end, datatype=XSD.date)))
    graph.add((dataset, DCTERMS.temporal, period))
    if found["modified"] is not None:
        modified = found["modified"]
        if modified.tzinfo is None:
            modified = modified.replace(tzinfo=timezone.utc)
        graph.add((dataset, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for word_th, word_en in (("องค์กรปกครองส่วนท้องถิ่น", "local government"),
                             ("ข้อมูลพื้นฐาน", "basic data"), ("สถิติ", "statistics")):
        graph.add((dataset, DCAT.keyword, Literal(word_th, lang="th")))
        graph.add((dataset, DCAT.keyword, Literal(word_en, lang="en")))
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(current_app.config["DATA_PUBLISHER_TH"], lang="th")))
    graph.add((contact, VCARD.hasURL, URIRef(current_app.config["DATA_PUBLISHER_URL"])))
    graph.add((dataset, DCAT.contactPoint, contact))
    for kind, url, media, title_th, title_en, download in (
            ("csv", url_for("opendata.national_csv", be_year=year, _external=True, **args),
             CSV_TYPE, "CSV หนึ่งแถวต่อ อปท.", "CSV, one row per LAO", True),
            ("xlsx", url_for("public.stats_workbook", year=year, _external=True, **args),
             XLSX_TYPE, "Excel หนึ่งแผ่นงานต่อด้าน", "Excel, a sheet per category", True),
            ("api", url_for("api.statistics_year", be_year=year, _external=True),
             "application/json", "API สถิติ (JSON)", "Statistics API (JSON)", False)):
        distribution = URIRef(f"{dataset}-{kind}")
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(title_th, lang="th")))
        graph.add((distribution, DCTERMS.title, Literal(title_en, lang="en")))
        graph.add((distribution, DCAT.accessURL, URIRef(url)))
        if download:
            graph.add((distribution, DCAT.downloadURL, URIRef(url)))
        graph.add((distribution, DCAT.mediaType, URIRef(IANA + media)))
        graph.add((distribution, DCTERMS.format, Literal(kind.upper())))
        graph.add((distribution, DCTERMS.license, licence))
        if kind == "csv":
            graph.add((distribution, DCTERMS.conformsTo, dictionary))
        graph.add((dataset, DCAT.distribution, distribution))
    return dataset


@bp.route("/catalog.jsonld")
def catalog_jsonld():
    """The DCAT catalogue as JSON-LD (CKAN's DCAT harvester reads it)."""
    body = catalogue_graph().serialize(format="json-ld", auto_compact=True)
    return Response(body, mimetype="application/ld+json")


@bp.route("/catalog.ttl")
def catalog_ttl():
    """The same catalogue as Turtle."""
    return Response(catalogue_graph().serialize(format="turtle"), mimetype="text/turtle")


# --- schema.org and the Atom feed ------------------------------------------------------------

def year_dataset(submission) -> dict:
    """schema.org `Dataset` of a certified LAO-year (JSON-LD on its page: search engines and
    portals read it): name, description, licence, temporal coverage, publisher, downloads."""
    from models.reads.opendata import fiscal_year_span
    org, year = submission.organization, submission.fiscal_year
    start, end = fiscal_year_span(year)
    url = url_for("public.organization_year", dla_code=org.dla_code, be_year=year,
                  _external=True)
    return {
        "@context": "https://schema.org", "@type": "Dataset", "url": url,
        "name": f"ข้อมูลพื้นฐาน {SECTION_COUNT} ด้าน {org.name_th} ปีงบประมาณ {year}",
        "description": f"ข้อมูลพื้นฐาน {SECTION_COUNT} ด้านของ{org.name_th} จังหวัด{org.province.name_th} "
                       f"ปีงบประมาณ {year} ({submission.status.label_th})",
        "identifier": f"{org.dla_code}-{year}", "inLanguage": "th",
        "license": current_app.config["DATA_LICENSE_URL"], "isAccessibleForFree": True,
        "temporalCoverage": f"{start.isoformat()}/{end.isoformat()}",
        "spatialCoverage": {"@type": "Place", "name": f"{org.name_th} จังหวัด{org.province.name_th}"},
        "publisher": {"@type": "GovernmentOrganization",
                      "name": current_app.config["DATA_PUBLISHER_TH"],
                      "url": current_app.config["DATA_PUBLISHER_URL"]},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": media,
             "contentUrl": url_for("public.organization_year_data", dla_code=org.dla_code,
                                   be_year=year, fmt=fmt, _external=True)}
            for fmt, media in (("csv", "text/csv"), ("json", "application/json"),
                               ("xlsx", "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet"))]}


@bp.route("/feeds/changes.atom")
def changes_feed():
    """Every publication, withdrawal and re-publication of an LAO-year as an Atom feed
    (feedgen): LAO, year, level, time — never who acted or why."""
    from feedgen.feed import FeedGenerator
    events = public.publication_events()
    feed = FeedGenerator()
    feed.id(url_for("opendata.changes_feed", _external=True))
    feed.title("INFO: การเผยแพร่และการถอนข้อมูล อปท. ที่รับรองแล้ว")
    feed.subtitle("Publications and withdrawals of certified LAO data (INFO)")
    feed.link(href=url_for("opendata.changes_feed", _external=True), rel="self")
    feed.link(href=url_for("public.index", _external=True), rel="alternate")
    feed.language("th")
    feed.rights(current_app.config["DATA_LICENSE_NAME"])
    feed.author(name=current_app.config["DATA_PUBLISHER_TH"])
    feed.updated(_aware(events[0]["at"]) if events else _aware(utcnow()))
    titles = {public.PUBLISHED: "เผยแพร่", public.WITHDRAWN: "ถอนออกเพื่อแก้ไข",
              public.LEVEL: "เปลี่ยนระดับการรับรอง"}
    for event in reversed(events):          # feedgen lists the last added first
        entry = feed.add_entry()
        url = url_for("public.organization_year", dla_code=event["dla_code"],
                      be_year=event["fiscal_year"], _external=True)
        entry.id(f"{url}#event-{event['id']}")
        entry.link(href=url)
        entry.title(f"{event['name_th']} ปีงบประมาณ {event['fiscal_year']}: "
                    f"{titles[event['kind']]}")
        entry.updated(_aware(event["at"]))
        entry.summary(f"{event['name_th']} ({event['dla_code']}) ปีงบประมาณ "
                      f"{event['fiscal_year']}: {titles[event['kind']]} — "
                      f"{event['status'].label_th}")
        entry.category(term=event["kind"])
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


def _aware(value):
    """UTC with its offset (SQLite hands back naive UTC)."""
    from datetime import timezone
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
