"""Fuzzing the importer (issue 11): hypothesis draws the file — XLSX or CSV in any of several
encodings, headers right, wrong or repeated, cells of any kind (Thai and other scripts, control
characters, huge and negative numbers, NaN, dates, booleans) — and a province officer checks
and commits it.  Never a 5xx; a commit writes exactly what its batch says (every field change
audited under the batch id) or, refused, nothing at all; nothing outside the officer's
editable drafts changes."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditLog, ImportBatch, Organization, Submission, db
from models.exchange.imports import ImportStatus, importable
from models.tables.sections import Section7Environment
from models.exchange.sheets import MAX_COLUMNS, MAX_ROWS
from workflow import Status

from .conftest import csrf_token, login

EXAMPLES = 60
TOKEN = re.compile(r'name="token" value="([0-9a-f]{64})"')
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

TEXT = st.one_of(
    st.sampled_from(["", " ", "มี", "ไม่มี", "๑,๒๓๔", "1,23", "1,234.5", "-0", "NaN", "inf",
                     "=1+1", "@SUM(A1)", "31/12/2568", "2568-13-45", "0x10", "1e400",
                     "ที่ราบลุ่ม", "ก" * 3000, "\x00", "_x0000_", "\r\n", "' OR 1=1 --",
                     "บ่อฝังกลบ"]),
    st.text(max_size=40))
CELL = st.one_of(st.none(), TEXT, st.integers(-10**20, 10**20), st.booleans(),
                 st.floats(allow_nan=True, allow_infinity=True),
                 st.dates(date(1900, 1, 1), date(2200, 1, 1)))


def _editable(app):
    with app.app_context():
        rows = db.session.execute(
            select(Organization.dla_code, Submission.id, Submission.status)
            .join(Organization).where(Submission.fiscal_year == 2570)).all()
        db.session.remove()
    return rows


def _files(codes: list[str], columns: list[str]):
    @st.composite
    def draw(draw):
        heads = draw(st.lists(st.sampled_from(columns + ["fiscal_year"]), min_size=1,
                              max_size=5, unique=True))
        if draw(st.integers(0, 9)) == 0:        # now and then a wrong or repeated header
            heads.append(draw(st.sampled_from(["ขยะ", "dla_code", heads[0]])))
        if draw(st.integers(0, 5)):
            heads = ["dla_code", *heads]
        rows = [heads]
        for _n in range(draw(st.integers(0, 5))):
            row = [draw(CELL) for _h in heads]
            if heads[0] == "dla_code" and draw(st.integers(0, 3)):
                row[0] = draw(st.sampled_from(codes))
                # Now and then a value a column takes, so commits happen too.
                for n in range(1, len(row)):
                    if draw(st.booleans()):
                        row[n] = draw(st.integers(0, 50))
            rows.append(row)
        kind = draw(st.sampled_from(["xlsx", "utf-8-sig", "utf-8", "cp874", "utf-16",
                                     "latin-1"]))
        return kind, rows
    return draw()


def _encode(kind: str, rows: list[list]) -> tuple[bytes, str]:
    if kind == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "ด้านที่ 7"
        for row in rows:
            cells = []
            for cell in row:
                if isinstance(cell, str):
                    cell = _ILLEGAL_XML.sub("", cell)
                if isinstance(cell, float) and not math.isfinite(cell):
                    cell = str(cell)
                cells.append(cell)
            sheet.append(cells)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "fuzz.xlsx"
    text = io.StringIO()
    csv.writer(text).writerows([["" if c is None else c for c in row] for row in rows])
    return text.getvalue().encode(kind, errors="replace"), "fuzz.csv"


def _state():
    db.session.expire_all()
    return (tuple(db.session.execute(select(Section7Environment.submission_id,
                                            Section7Environment.version)
                                     .order_by(Section7Environment.submission_id)).all()),
            db.session.scalar(select(func.count()).select_from(AuditLog)))


@pytest.mark.parametrize("section", [7, 1])
def test_no_file_gives_a_5xx_or_a_partial_write(app, demo, section, record_property):
    from models.tables.sections import section_by_no
    section_cls = section_by_no(section)
    subs = _editable(app)
    drafts = [c for c, _i, status in subs if status is Status.DRAFT]
    # Mostly drafts (rows that may be written), and every other kind of key now and then.
    codes = drafts * 3 + [c for c, _i, _s in subs] + ["12345", "๖๑๐๐๑๐๑", "0000000"]
    columns = [c.key for c in importable(section_cls)]
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    token = csrf_token(client, "/admin/import/")
    sent, errors, commits = [0], [], [0]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(_files(codes, columns), st.sampled_from(["all", "good"]))
    @example(("utf-8-sig", [["dla_code", columns[-1]], [drafts[0], 7]]), "good")
    def send(file, mode):
        data, name = _encode(*file)
        with app.app_context():
            before = _state()
        response = client.post("/admin/import/", content_type="multipart/form-data", data={
            "csrf_token": token, "section": str(section), "year": "2570", "mode": mode,
            "file": (io.BytesIO(data), name)})
        sent[0] += 1
        if response.status_code >= 500:
            errors.append((file, response.status_code))
        assert response.status_code == 200, file
        page = response.get_data(as_text=True)
        with app.app_context():
            assert _state() == before, "the dry run wrote"
        found = TOKEN.search(page)
        if found is None:
            return
        response = client.post("/admin/import/commit/", data={"csrf_token": token,
                                                              "token": found.group(1)})
        sent[0] += 1
        commits[0] += 1
        if response.status_code >= 500:
            errors.append((file, "commit", response.status_code))
        assert response.status_code == 200, file
        with app.app_context():
            batch = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())
                                       .limit(1)).one()
            logged = db.session.execute(select(AuditLog.submission_id, AuditLog.table_name)
                                        .where(AuditLog.batch_id == batch.id)).all()
            if batch.status is ImportStatus.REFUSED:
                assert logged == [] and _state() == before
                return
            assert len(logged) == batch.fields_changed
            statuses = dict(db.session.execute(select(Submission.id, Submission.status)
                                               .where(Submission.province_code == "61")).all())
            for sub_id, table in logged:
                assert table == section_cls.__tablename__
                assert statuses.get(sub_id) is Status.DRAFT, "wrote outside the editable drafts"

    send()
    record_property("fuzz_requests", sent[0])
    record_property("fuzz_server_errors", len(errors))
    assert errors == []
    assert commits[0] > 0, "no drawn file was committed: the commit path went untested"


def _far_files(code: str, column: str):
    """Issue 21: a good little table with, drawn, a cell anywhere on the sheet (up to XFD1048576),
    a declared dimension of any size, runs of empty rows and of styled empty cells (XLSX), and
    runs of blank lines and empty columns (CSV)."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    from . import rawxlsx

    @st.composite
    def draw(draw):
        rows = [["dla_code", column], [code, draw(st.integers(0, 50))]]
        far_row = draw(st.one_of(st.integers(3, 40), st.integers(3, 1_048_576),
                                 st.sampled_from([MAX_ROWS, MAX_ROWS + 1, 1_048_576])))
        far_col = draw(st.one_of(st.integers(0, 10), st.integers(0, 16_383),
                                 st.sampled_from([MAX_COLUMNS - 1, MAX_COLUMNS, 16_383])))
        far = draw(st.sampled_from(["value", "empty", "none"]))
        if draw(st.booleans()):                         # a CSV
            blank_lines = draw(st.sampled_from([0, 10, MAX_ROWS - 2, MAX_ROWS, 200_000]))
            commas = draw(st.sampled_from([0, 5, MAX_COLUMNS, 5_000]))
            text = "\n".join(",".join(map(str, r)) + "," * commas for r in rows)
            return "csv", (text + "\n" * blank_lines).encode(), None
        data = rawxlsx.table(rows)
        empty_rows = draw(st.sampled_from([0, 100, 100_000]))
        data += "<row/>" * empty_rows
        if far != "none":
            data += rawxlsx.row(far_row, rawxlsx.cell(xl_rowcol_to_cell(far_row - 1, far_col),
                                                      "x" if far == "value" else None))
        if draw(st.booleans()):
            data += rawxlsx.row(far_row + 1, '<c s="0"/>' * draw(st.sampled_from([10, 20_000])))
        dimension = draw(st.sampled_from([None, "A1", "A1:B2", "A1:XFD1048576",
                                          f"A1:{xl_rowcol_to_cell(far_row - 1, far_col)}"]))
        outside = far == "value" and (far_row > MAX_ROWS or far_col + 1 > MAX_COLUMNS)
        return "xlsx", rawxlsx.workbook(data, dimension=dimension), \
            xl_rowcol_to_cell(far_row - 1, far_col) if outside else None
    return draw()


def test_far_cells_declared_dimensions_and_blank_runs_get_an_answer_and_write_nothing(app, demo):
    """Never a 5xx, never a write from a dry run; a valued cell outside the limits is named in
    the refusal; the province's page answers after every file."""
    from models.tables.sections import section_by_no
    subs = _editable(app)
    code = next(c for c, _i, status in subs if status is Status.DRAFT)
    column = importable(section_by_no(7))[-1].key
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    token = csrf_token(client, "/admin/import/")
    sent, named = [0], [0]
    from . import rawxlsx
    far = rawxlsx.table([["dla_code", column], [code, 5]]) \
        + rawxlsx.row(1048576, rawxlsx.cell("XFD1048576", "x"))

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(_far_files(code, column))
    # The attack as found, always among the files (the drawing may miss the far corner).
    @example(("xlsx", rawxlsx.workbook(far), "XFD1048576"))
    def send(drawn):
        kind, data, far_cell = drawn
        with app.app_context():
            before = _state()
        response = client.post("/admin/import/", content_type="multipart/form-data", data={
            "csrf_token": token, "section": "7", "year": "2570", "mode": "all",
            "file": (io.BytesIO(data), f"far.{kind}")})
        sent[0] += 1
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        if far_cell is not None:
            assert far_cell in page and "นอกขอบเขตที่รับได้" in page
            named[0] += 1
        with app.app_context():
            assert _state() == before, "the dry run wrote"

    send()
    record = client.get("/healthz")
    assert record.status_code == 200
    assert sent[0] >= 40 and named[0] > 0, "no far cell outside the limits was drawn"
