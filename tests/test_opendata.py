"""Open data a portal can harvest (issue 23): a licence on every public page and download, a
DCAT catalogue (JSON-LD and Turtle) that rdflib parses and SHACL shapes of what CKAN's DCAT
harvester needs accept, whose every download answers; a data dictionary and its CSVW; the
national CSV; a withdrawn year answering 410 and an Atom feed of publications and withdrawals."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlsplit

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import select

from models import Organization, Submission, User, db
from models.services.certification import transition
from workflow import PUBLIC_STATUSES, Action, Status

LICENCE = "https://creativecommons.org/licenses/by/4.0/"

# What CKAN's DCAT harvester (ckanext-dcat) needs of a dataset and a distribution, as SHACL.
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<#Catalog> a sh:NodeShape ; sh:targetClass dcat:Catalog ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:publisher ; sh:minCount 1 ; sh:class foaf:Organization ] ;
  sh:property [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ] .
<#Dataset> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:title ; sh:minCount 2 ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:identifier ; sh:minCount 1 ; sh:maxCount 1 ] ;
  sh:property [ sh:path dct:publisher ; sh:minCount 1 ; sh:maxCount 1 ] ;
  sh:property [ sh:path dct:license ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:temporal ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:modified ; sh:maxCount 1 ; sh:datatype xsd:dateTime ] ;
  sh:property [ sh:path dcat:keyword ; sh:minCount 1 ] ;
  sh:property [ sh:path dcat:distribution ; sh:minCount 1 ; sh:class dcat:Distribution ] .
<#Distribution> a sh:NodeShape ; sh:targetClass dcat:Distribution ;
  sh:property [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dct:license ; sh:minCount 1 ] ;
  sh:property [ sh:path dcat:mediaType ; sh:minCount 1 ] .
<#Period> a sh:NodeShape ; sh:targetClass dct:PeriodOfTime ;
  sh:property [ sh:path dcat:startDate ; sh:minCount 1 ; sh:datatype xsd:date ] ;
  sh:property [ sh:path dcat:endDate ; sh:minCount 1 ; sh:datatype xsd:date ] .
"""


def _path(url: str) -> str:
    parts = urlsplit(str(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_dcat_catalogue_parses_meets_the_shapes_and_every_download_answers(client, demo):
    from pyshacl import validate
    ttl = Graph().parse(data=client.get("/catalog.ttl").get_data(as_text=True), format="turtle")
    jsonld = client.get("/catalog.jsonld")
    assert jsonld.mimetype == "application/ld+json"
    graph = Graph().parse(data=jsonld.get_data(as_text=True), format="json-ld")
    assert len(graph) == len(ttl) > 100
    conforms, _report, text = validate(graph, shacl_graph=Graph().parse(data=SHAPES,
                                                                        format="turtle"))
    assert conforms, text
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    ids = {str(graph.value(d, DCTERMS.identifier)) for d in datasets}
    # One per certified year nationally and for the demo's province.
    assert ids == {f"info-{y}-{p}" for y in (2568, 2569, 2570) for p in ("th", "61")}
    for dataset in datasets:
        assert {str(x) for x in graph.objects(dataset, DCTERMS.license)} == {LICENCE}
        titles = {t.language for t in graph.objects(dataset, DCTERMS.title)}
        assert titles == {"th", "en"}
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)} | \
        {str(u) for u in graph.objects(None, DCAT.accessURL)}
    assert len(urls) >= 3 * 2 * 3 - 3          # the API's URL is one per year
    for url in sorted(urls):
        response = client.get(_path(url))
        assert response.status_code == 200 and response.get_data(), url


def test_the_national_csv_is_described_by_the_csvw_dictionary(client, demo, app):
    meta = client.get("/data-dictionary.json")
    assert meta.mimetype == "application/csvm+json"
    described = meta.get_json()
    names = [c["name"] for c in described["tableSchema"]["columns"]]
    assert {t["url"].rsplit("/", 1)[1] for t in described["tables"]} == \
        {"2568.csv", "2569.csv", "2570.csv"}
    response = client.get("/opendata/2570.csv")
    assert response.status_code == 200 and LICENCE in response.headers["Link"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == names
    with app.app_context():
        certified = set(db.session.scalars(select(Organization.dla_code).join(Submission).where(
            Submission.fiscal_year == 2570, Submission.status.in_(list(PUBLIC_STATUSES)))))
    assert {r[0] for r in rows[1:]} == certified and len(rows) - 1 == len(certified)
    population = names.index("s1_population_total")
    assert all(r[population].isdigit() for r in rows[1:])
    assert "s1_population_total" in names and not any("recorder" in n for n in names)
    assert client.get("/opendata/2500.csv").status_code == 404
    assert client.get("/opendata/2570.csv?province=99").status_code == 404
    page = client.get("/data-dictionary").get_data(as_text=True)
    assert "s1_population_total" in page and 'id="section1_recorder.' not in page


def test_a_withdrawn_year_answers_410_and_the_feed_says_so(app, client, demo):
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.LAO_CERTIFIED)
            .order_by(Submission.id)).first()
        code, sub_id = sub.organization.dla_code, sub.id
        clerk = db.session.scalar(select(User).where(User.username == f"lao-{code}"))
        assert transition(Action.REVOKE_LAO, [sub_id], clerk)[0].done
        db.session.remove()
    page = client.get(f"/orgs/{code}/2570")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "ถูกถอนการเผยแพร่เพื่อแก้ไขเมื่อ" in text and "ประชากร" not in text
    assert client.get(f"/orgs/{code}/2570/data.csv").status_code == 410
    api = client.get(f"/api/v1/organizations/{code}/years/2570")
    assert api.status_code == 410 and "ถูกถอนการเผยแพร่" in api.get_json()["message"]
    assert client.get("/orgs/9999999/2570").status_code == 404        # never published
    feed = client.get("/feeds/changes.atom")
    assert feed.mimetype == "application/atom+xml"
    body = feed.get_data(as_text=True)
    from xml.etree import ElementTree
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ElementTree.fromstring(body).findall(f"{atom}entry")
    newest = entries[0]
    assert newest.find(f"{atom}category").get("term") == "withdrawn"
    assert f"/orgs/{code}/2570" in newest.find(f"{atom}link").get("href")
    assert "ถอนออกเพื่อแก้ไข" in newest.find(f"{atom}title").text
    # No one's name, no reason in the feed.
    with app.app_context():
        names = set(db.session.scalars(select(User.full_name)))
    assert not any(name and name in body for name in names)


def test_every_public_page_and_download_names_the_licence(client, demo, app):
    with app.app_context():
        code, year = db.session.execute(
            select(Organization.dla_code, Submission.fiscal_year).join(Submission)
            .where(Submission.status.in_(list(PUBLIC_STATUSES)))
            .order_by(Submission.id)).first()
    for url in ("/", "/stats", f"/orgs/{code}/{year}", "/data-dictionary", "/about"):
        assert LICENCE in client.get(url).get_data(as_text=True), url
    for fmt in ("csv", "json", "xlsx"):
        assert LICENCE in client.get(f"/orgs/{code}/{year}/data.{fmt}").headers["Link"], fmt
    assert client.get(f"/orgs/{code}/{year}/data.json").get_json()["license"] == LICENCE
    page = client.get(f"/orgs/{code}/{year}").get_data(as_text=True)
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">')
    dataset = json.loads(page[start:page.index("</script>", start)])
    assert dataset["@type"] == "Dataset" and dataset["license"] == LICENCE
    assert {d["encodingFormat"] for d in dataset["distribution"]} >= {"text/csv"}
    for download in dataset["distribution"]:
        assert client.get(_path(download["contentUrl"])).status_code == 200
