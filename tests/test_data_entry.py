"""The LAO clerk's section forms end to end: save, rules, warnings, conflicts, audit, locks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditLog, Submission, db
from models.tables.sections import Section1General, Section6Disaster, Section7Environment

from .formdata import double_the_men, form_fields


def _edit(client, no, sub_id):
    page = client.get(f"/admin/edit_s{no}/edit/?id={sub_id}")
    assert page.status_code == 200
    return form_fields(page.get_data(as_text=True))


def _post(client, no, sub_id, data):
    return client.post(f"/admin/edit_s{no}/edit/?id={sub_id}", data=data)


def test_a_good_save_updates_values_completeness_and_audit(app, client, clerk):
    data = _edit(client, 7, clerk)
    data["drainage_pumps"] = "12"
    response = _post(client, 7, clerk, data)
    assert response.status_code == 302 and f"id={clerk}" in response.location
    with app.app_context():
        section = db.session.get(Section7Environment, clerk)
        assert section.drainage_pumps == 12 and section.carried_forward is False
        assert section.updated_by_id is not None
        assert db.session.get(Submission, clerk).sections_complete == 8
        logs = db.session.scalars(select(AuditLog).where(
            AuditLog.submission_id == clerk, AuditLog.field == "drainage_pumps")).all()
        assert len(logs) == 1 and logs[0].new_value == "12" and logs[0].user_id is not None
        # Unchanged fields write no audit rows.
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.submission_id == clerk)) == 1


def test_thousands_separators_and_be_dates_are_understood(app, client, clerk):
    data = _edit(client, 1, clerk)
    assert "," in data["population_male"]           # shown with separators
    assert data["population_as_of"].endswith("25" + data["population_as_of"][-2:])
    data["population_as_of"] = "31/12/2568"
    response = _post(client, 1, clerk, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.get(Section1General, clerk).population_as_of == date(2025, 12, 31)


def test_a_blocking_rule_refuses_the_save_with_a_thai_message(app, client, clerk):
    with app.app_context():
        before = db.session.get(Section1General, clerk).population_total
    data = _edit(client, 1, clerk)
    data["population_total"] = "1"
    response = _post(client, 1, clerk, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ประชากรรวมต้องเท่ากับชาย + หญิง" in body
    with app.app_context():
        assert db.session.get(Section1General, clerk).population_total == before
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_a_warning_is_shown_but_the_save_goes_on(app, client, clerk):
    data = _edit(client, 1, clerk)
    men = double_the_men(data)
    response = _post(client, 1, clerk, data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50" in page
    with app.app_context():
        assert db.session.get(Section1General, clerk).population_male == men


def test_a_missing_required_value_makes_the_section_incomplete(app, client, clerk):
    data = _edit(client, 7, clerk)
    for key in ("waste_generated", "waste_collected", "waste_disposed"):
        assert key in data
        data[key] = ""
    assert _post(client, 7, clerk, data).status_code == 302
    with app.app_context():
        assert db.session.get(Submission, clerk).sections_complete == 7
    page = client.get(f"/admin/lao_years/workspace/?id={clerk}&tab=status").get_data(as_text=True)
    assert "ยังไม่ครบ 8 ด้าน" in page


def test_the_second_of_two_clerks_gets_a_conflict_not_an_overwrite(app, client, clerk):
    first = _edit(client, 7, clerk)
    second = dict(first)
    first["drainage_pumps"] = "3"
    assert _post(client, 7, clerk, first).status_code == 302
    second["drainage_pumps"] = "99"
    response = _post(client, 7, clerk, second)
    assert response.status_code == 200
    assert "มีผู้อื่นบันทึกข้อมูลด้านนี้ไปแล้ว" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Section7Environment, clerk).drainage_pumps == 3


def test_child_rows_are_added_and_removed_inline(app, client, clerk):
    data = _edit(client, 6, clerk)
    with app.app_context():
        before = len(db.session.get(Section6Disaster, clerk).vehicles)
    data.update({"vehicles-99-kind": "fire_engine", "vehicles-99-capacity": "6000",
                 "vehicles-99-year_acquired": "2565", "vehicles-99-price": "2,500,000"})
    response = _post(client, 6, clerk, data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        vehicles = db.session.get(Section6Disaster, clerk).vehicles
        assert len(vehicles) == before + 1
        assert any(v.year_acquired == 2565 for v in vehicles)


def test_a_vehicle_from_the_future_is_refused(app, client, clerk):
    data = _edit(client, 6, clerk)
    data.update({"vehicles-99-kind": "fire_engine", "vehicles-99-year_acquired": "2590"})
    response = _post(client, 6, clerk, data)
    assert response.status_code == 200
    assert "2590" in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("population_male", "abc"), ("population_male", "9" * 40), ("population_male", "-5"),
    ("latitude", "1e400"), ("population_as_of", "31/02/2568"), ("org_type", "kingdom"),
    ("office_subdistrict_code", "100101"), ("postal_code", "6100"), ("phone", "x" * 500),
])
def test_malformed_posts_give_a_message_and_save_nothing(app, client, clerk, field, value):
    with app.app_context():
        before = db.session.get(Section1General, clerk).version
    data = _edit(client, 1, clerk)
    data[field] = value
    response = _post(client, 1, clerk, data)
    assert response.status_code == 200, (field, value, response.status_code)
    assert "is-invalid" in response.get_data(as_text=True) or "alert-danger" in \
        response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Section1General, clerk).version == before


def test_missing_and_extra_fields_do_not_500(app, client, clerk):
    data = {"csrf_token": _edit(client, 1, clerk)["csrf_token"], "surprise": "x",
            "recorders-0-id": "999999", "recorders-0-name": "x"}
    response = _post(client, 1, clerk, data)
    assert response.status_code in (200, 302)


def test_foreign_child_row_ids_cannot_be_edited(app, client, clerk):
    """A posted child id of another LAO's row is not mapped onto that row."""
    with app.app_context():
        other = db.session.scalars(select(Section1General).where(
            Section1General.submission_id != clerk)).first()
        foreign = other.recorders[0]
        foreign_id, foreign_name = foreign.id, foreign.name
    data = _edit(client, 1, clerk)
    data["recorders-0-id"] = str(foreign_id)
    data["recorders-0-name"] = "ผู้บุกรุก"
    _post(client, 1, clerk, data)
    with app.app_context():
        from models.tables.sections import Section1Recorder
        assert db.session.get(Section1Recorder, foreign_id).name == foreign_name


def test_certified_sections_cannot_be_opened_for_editing(app, client, clerk):
    with app.app_context():
        from models.services.certification import transition
        from models import User
        sub = db.session.get(Submission, clerk)
        user = db.session.scalar(select(User).where(User.organization_id == sub.organization_id))
        assert transition("certify_lao", [clerk], user)[0].done
    response = client.get(f"/admin/edit_s1/edit/?id={clerk}")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "ต้องยกเลิกการรับรองก่อนแก้ไข" in page


def test_numbers_are_text_inputs_so_separated_values_are_not_blanked(client, clerk):
    """A browser blanks "21,847" in an <input type=number>; the forms must not use it."""
    page = client.get(f"/admin/edit_s6/edit/?id={clerk}").get_data(as_text=True)
    assert 'type="number"' not in page
    assert 'inputmode="numeric"' in page


def test_refused_save_lists_the_problems_at_the_top(app, client, clerk):
    data = _edit(client, 7, clerk)
    data["waste_collected"] = "0.01"  # below what was disposed correctly
    body = _post(client, 7, clerk, data).get_data(as_text=True)
    assert "กรุณาแก้ไข 1 รายการ" in body


def test_workspace_shows_coordinates_with_their_six_places(app, client, clerk):
    with app.app_context():
        latitude = db.session.get(Section1General, clerk).latitude
    page = client.get(f"/admin/lao_years/workspace/?id={clerk}&tab=1").get_data(as_text=True)
    assert f"{latitude:,}" in page and len(str(latitude).split(".")[1]) == 6
