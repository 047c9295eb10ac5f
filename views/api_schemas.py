"""The open data API's types (marshmallow): the query parameters it accepts and the answers it
gives.  flask-smorest turns them into the OpenAPI document, and the same schemas parse the
requests, so the document cannot drift from the code.

Every message a client reads is Thai; English labels travel as data (`label_en`).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from models import OrgType

MAX_PAGE = 100
DEFAULT_PAGE = 50


def _pattern(regex: str, message: str, description: str) -> fields.String:
    """A string parameter of a fixed form (apispec documents the Regexp as its pattern)."""
    return fields.String(validate=validate.Regexp(regex, error=message),
                         metadata={"description": description})


class QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # a cache-buster such as ?_=123 is not an error


class OrganizationQuery(QuerySchema):
    # No NUL: app.py refuses one in any parameter (PostgreSQL text cannot hold it), and the
    # document says so (a pattern), so a client generated from it never sends one.
    q = fields.String(validate=[validate.Length(max=100, error="คำค้นยาวได้ไม่เกิน 100 ตัวอักษร"),
                                validate.Regexp(r"^[^\x00]*$", error="คำค้นมีอักขระที่ใช้ไม่ได้")],
                      metadata={"description": "ส่วนหนึ่งของชื่อ อปท. (ภาษาไทย) หรือรหัส อปท. ต้นรหัส"})
    province = _pattern(r"^[0-9]{2}$", "รหัสจังหวัดต้องเป็นตัวเลข 2 หลัก",
                        "รหัสจังหวัด 2 หลัก (เช่น 61)")
    district = _pattern(r"^[0-9]{4}$", "รหัสอำเภอต้องเป็นตัวเลข 4 หลัก",
                        "รหัสอำเภอ 4 หลัก (เช่น 6101)")
    type = fields.Enum(OrgType, by_value=True,
                       error_messages={"unknown": "ประเภท อปท. ต้องเป็นหนึ่งใน {choices}"},
                       metadata={"description": "ประเภท อปท."})
    after = _pattern(r"^[0-9]{7}$", "ตัวชี้หน้าถัดไป (after) ต้องเป็นรหัส อปท. 7 หลัก",
                     "รหัส อปท. ตัวสุดท้ายของหน้าก่อน (ค่า next)")
    limit = fields.Integer(
        load_default=DEFAULT_PAGE, strict=False,
        validate=validate.Range(min=1, max=MAX_PAGE,
                                error=f"จำนวนต่อหน้า (limit) ต้องอยู่ระหว่าง 1 ถึง {MAX_PAGE}"),
        error_messages={"invalid": "จำนวนต่อหน้า (limit) ต้องเป็นจำนวนเต็ม"},
        metadata={"description": f"จำนวนต่อหน้า 1–{MAX_PAGE}"})


class Place(Schema):
    code = fields.String(required=True)
    name_th = fields.String(required=True)


class OrgTypeOut(Schema):
    code = fields.String(required=True, metadata={"enum": [t.value for t in OrgType]})
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)


class OrganizationOut(Schema):
    dla_code = fields.String(required=True, metadata={"description": "รหัส อปท. 7 หลัก"})
    name_th = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)
    type = fields.Nested(OrgTypeOut, required=True)
    province = fields.Nested(Place, required=True)
    district = fields.Nested(Place, required=True)
    certified_years = fields.List(fields.Integer(), required=True,
                                  metadata={"description": "ปีงบประมาณ (พ.ศ.) ที่รับรองข้อมูลแล้ว ใหม่ก่อน"})
    url = fields.String(required=True, metadata={"description": "ที่อยู่ของ อปท. นี้ใน API"})


class OrganizationPage(Schema):
    items = fields.List(fields.Nested(OrganizationOut), required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "ค่า after ของหน้าถัดไป (null เมื่อเป็นหน้าสุดท้าย)"})


class StatusOut(Schema):
    code = fields.String(required=True, metadata={"enum": ["lao_certified", "province_certified"]})
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)


class CertificationOut(Schema):
    level = fields.String(required=True, metadata={"enum": ["lao", "province"]})
    level_th = fields.String(required=True)
    certified_by_th = fields.String(required=True,
                                    metadata={"description": "หน่วยงานที่รับรอง"})
    certified_at = fields.String(required=True, allow_none=True,
                                 metadata={"format": "date-time"})
    reference = fields.String(required=True, allow_none=True,
                              metadata={"description": "หมายเลขการรับรอง"})


class YearSummary(Schema):
    fiscal_year = fields.Integer(required=True, metadata={"description": "ปีงบประมาณ (พ.ศ.)"})
    status = fields.Nested(StatusOut, required=True)
    url = fields.String(required=True)


class OrganizationDetail(OrganizationOut):
    years = fields.List(fields.Nested(YearSummary), required=True)


class SubmissionOut(Schema):
    organization = fields.Nested(OrganizationOut, required=True)
    fiscal_year = fields.Integer(required=True)
    status = fields.Nested(StatusOut, required=True)
    certifications = fields.List(fields.Nested(CertificationOut), required=True,
                                 metadata={"description": "การรับรองที่มีผลอยู่ ระดับ อปท. แล้วระดับจังหวัด"})
    values_url = fields.String(required=True)


class ValueOut(Schema):
    """One catalogue field of a certified year (a child row's field has its row number)."""

    section_no = fields.Integer(required=True)
    section = fields.String(required=True)
    group = fields.String(required=True)
    row = fields.Integer(required=True, allow_none=True,
                         metadata={"description": "ลำดับแถวของตารางย่อย (null เมื่อไม่ใช่ตารางย่อย)"})
    field = fields.String(required=True, metadata={"description": "รหัสข้อมูล"})
    label = fields.String(required=True, metadata={"description": "ชื่อข้อมูลภาษาไทย"})
    label_en = fields.String(required=True)
    type = fields.String(required=True, metadata={"description": "ชนิดข้อมูลในบัญชีข้อมูล"})
    unit = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True,
                       metadata={"description": "ตัวเลขทศนิยมเป็นข้อความ วันที่แบบ ISO"})


class ValuesOut(Schema):
    dla_code = fields.String(required=True)
    fiscal_year = fields.Integer(required=True)
    status = fields.Nested(StatusOut, required=True)
    values = fields.List(fields.Nested(ValueOut), required=True)


class FigureOut(Schema):
    field = fields.String(required=True, metadata={"description": "ตาราง.คอลัมน์ของข้อมูลที่รวม"})
    label = fields.String(required=True)
    unit = fields.String(required=True)
    value = fields.Raw(required=True, metadata={
        "description": "ผลรวม: จำนวนเต็มเป็นตัวเลข จำนวนเงินและทศนิยมเป็นข้อความ (ไม่ปัดเศษ)"})
    aggregation = fields.String(required=True, validate=validate.OneOf(["additive", "territorial"]),
                                metadata={"description": (
                                    "additive: รวมทุก อปท. ที่รับรองแล้ว (รายรับ ถนนของ อปท. เอง); "
                                    "territorial: ข้อมูลของพื้นที่ รวมเฉพาะ อปท. ที่ไม่ใช่ อบจ. "
                                    "เพราะ อบจ. รายงานทั้งจังหวัด")})
    counted = fields.Integer(required=True, metadata={
        "description": "จำนวน อปท. ที่รับรองแล้วและมีค่านี้ ซึ่งรวมอยู่ในผลรวม"})
    of = fields.Integer(required=True, metadata={
        "description": "จำนวน อปท. ทั้งหมดที่นับได้สำหรับรายการนี้ (ไม่รวม อบจ. สำหรับ territorial)"})


class ProvinceFigures(Schema):
    code = fields.String(required=True)
    name_th = fields.String(required=True)
    laos = fields.Integer(required=True, metadata={"description": "จำนวน อปท. ในปีนั้น"})
    certified = fields.Integer(required=True, metadata={"description": "จำนวนที่รับรองข้อมูลแล้ว"})
    fire_engines = fields.Integer(required=True)
    figures = fields.List(fields.Nested(FigureOut), required=True)


class StatisticsOut(Schema):
    fiscal_year = fields.Integer(required=True)
    laos = fields.Integer(required=True)
    certified = fields.Integer(required=True)
    fire_engines = fields.Integer(required=True)
    figures = fields.List(fields.Nested(FigureOut), required=True)
    provinces = fields.List(fields.Nested(ProvinceFigures), required=True)


class StatisticsYears(Schema):
    years = fields.List(fields.Integer(), required=True,
                        metadata={"description": "ปีงบประมาณที่มีข้อมูลรับรองแล้ว ใหม่ก่อน"})


class ErrorOut(Schema):
    error = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "ข้อความของพารามิเตอร์แต่ละตัวที่ไม่ถูกต้อง"})


class IndexOut(Schema):
    openapi = fields.String(required=True)
    docs = fields.String(required=True)
    organizations = fields.String(required=True)
    statistics = fields.String(required=True)
