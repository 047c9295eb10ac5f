"""XLSX files written from raw XML, as an attacker or an odd spreadsheet program would: any cell
position, any declared dimension, rows and cells without `r`, a table of shared strings of any
size — what openpyxl and XlsxWriter never write."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def cell(ref: str | None, value) -> str:
    """One <c>: a number, an inline string, or (None) a styled cell holding no value."""
    at = f' r="{ref}"' if ref else ""
    if value is None:
        return f'<c{at} s="0"/>'
    if isinstance(value, (int, float)):
        return f"<c{at}><v>{value}</v></c>"
    return f'<c{at} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row(number: int | None, cells: str) -> str:
    return f'<row r="{number}">{cells}</row>' if number else f"<row>{cells}</row>"


def table(rows: list[list]) -> str:
    """The <sheetData> content of a plain table from A1 (None: an empty cell, not written)."""
    from xlsxwriter.utility import xl_rowcol_to_cell
    return "".join(row(r + 1, "".join(cell(xl_rowcol_to_cell(r, c), v)
                                      for c, v in enumerate(values) if v is not None))
                   for r, values in enumerate(rows))


def prefixed(sheet_data: str, prefix: str = "x") -> str:
    """The same XML with every element named `x:…`, as the OpenXML SDK writes it."""
    import re
    return re.sub(r"<(/?)(\w+)", rf"<\1{prefix}:\2", sheet_data)


def workbook(sheet_data: str | bytes, *, sheet: str = "ด้านที่ 7", dimension: str | None = None,
             shared_strings: bytes | None = None, prefix: str | None = None) -> bytes:
    """A one-sheet workbook whose sheetData is `sheet_data` (raw XML; with `prefix`, the
    worksheet's own elements carry it too and `sheet_data` should be `prefixed`)."""
    if isinstance(sheet_data, str):
        sheet_data = sheet_data.encode("utf-8")
    p = f"{prefix}:" if prefix else ""
    dim = f'<{p}dimension ref="{dimension}"/>'.encode() if dimension else b""
    worksheet = (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet '
                 f'xmlns{":" + prefix if prefix else ""}="{_MAIN}">'.encode()
                 + dim + f"<{p}sheetData>".encode() + sheet_data
                 + f"</{p}sheetData></{p}worksheet>".encode())
    overrides = ('<Override PartName="/xl/workbook.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    relations = (f'<Relationship Id="rId1" Type="{_REL}/worksheet" '
                 'Target="worksheets/sheet1.xml"/>')
    if shared_strings is not None:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        relations += (f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" '
                      'Target="sharedStrings.xml"/>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{overrides}</Types>'),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
                            f'xmlns:r="{_REL}"><sheets><sheet name={quoteattr(sheet)} '
                            'sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?>'
                                       f'<Relationships xmlns="{_PKG}">{relations}</Relationships>'),
        "xl/worksheets/sheet1.xml": worksheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">'
                                         .encode() + shared_strings + b"</sst>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()
