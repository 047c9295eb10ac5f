"""Privacy (issue 23, PDPA B.E. 2562): a privacy notice linked from สมัครสมาชิก, the sign-in page
and every footer; the applicant acknowledges it; a signed-in person sees the personal data
INFO holds about them; `flask purge-personal-data` anonymises requests and accounts kept past
the retention period while every history row keeps its account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from models import (AccountLog, AccountRequest, AccountStatus, AuditLog, CertificationEvent,
                    Organization, RequestStatus, User, db, utcnow)

from .conftest import PASSWORD, csrf_token, login, signed_in


def _org_code(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Organization.dla_code).where(
            Organization.province_code == "61").order_by(Organization.dla_code))


def test_the_notice_is_linked_and_must_be_acknowledged(app, client, two_provinces):
    for url in ("/register", "/login", "/", "/stats"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url
    notice = client.get("/privacy").get_data(as_text=True)
    for words in ("ข้อมูลที่เก็บ", "เก็บนานเท่าใด", "365 วัน", "สิทธิของท่าน",
                  "ติดต่อผู้ควบคุมข้อมูลส่วนบุคคล", "กรมส่งเสริมการปกครองท้องถิ่น"):
        assert words in notice, words
    token = csrf_token(client, "/register")
    form = {"csrf_token": token, "full_name": "นางสาวสมใจ ใจดี", "position": "นักวิชาการ",
            "phone": "056 511 234", "email": "somjai@example.go.th", "username": "somjai",
            "dla_code": _org_code(app)}
    refused = client.post("/register", data=form).get_data(as_text=True)
    assert "กรุณาอ่านประกาศความเป็นส่วนตัว" in refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountRequest)) == 0
    done = client.post("/register", data={**form, "privacy": "y"}).get_data(as_text=True)
    assert "ส่งคำขอสมัครสมาชิกแล้ว" in done


def test_a_person_sees_the_personal_data_held_about_them(app, two_provinces):
    code = _org_code(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == f"lao-{code}"))
        user.phone, user.email = "081 222 3333", "me@example.go.th"
        db.session.commit()
    client = signed_in(app, f"lao-{code}")
    assert "/my-data" in client.get("/admin/").get_data(as_text=True)
    page = client.get("/my-data")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "081 222 3333" in text and "me@example.go.th" in text and f"lao-{code}" in text
    assert app.test_client().get("/my-data").status_code == 302     # signed in only


def test_purge_anonymises_what_is_kept_too_long_and_keeps_the_history(app, runner,
                                                                     two_provinces):
    code = _org_code(app)
    old = utcnow() - timedelta(days=400)
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).where(Organization.dla_code == code))
        for n, status in enumerate((RequestStatus.REJECTED, RequestStatus.PENDING,
                                    RequestStatus.REJECTED)):
            db.session.add(AccountRequest(
                organization_id=org_id, province_code="61",
                district_code=db.session.get(Organization, org_id).district_code,
                full_name=f"ผู้ขอ ลับ {n}", position="ตำแหน่ง", phone=f"089 000 00{n}",
                email=f"secret{n}@example.go.th", username=f"secret{n}", status=status,
                created_at=old if n < 2 else utcnow(),
                decided_at=old if status is RequestStatus.REJECTED and n < 2 else
                (utcnow() if status is RequestStatus.REJECTED else None)))
        clerk = db.session.scalar(select(User).where(User.username == f"lao-{code}"))
        clerk.phone = "081 999 8888"
        db.session.commit()
        clerk.status = AccountStatus.DISABLED
        db.session.commit()
        clerk_id = clerk.id
        # Disabled 400 days ago: the account log says when.
        db.session.execute(update(AccountLog).where(AccountLog.user_id == clerk_id)
                           .values(created_at=old))
        history = (db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.user_id == clerk_id)), db.session.scalar(select(func.count()).select_from(
                CertificationEvent).where(CertificationEvent.actor_id == clerk_id)))
        db.session.commit()
        db.session.remove()
    dry = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert dry.exit_code == 0 and "would anonymise: 2 account requests, 1 accounts" in dry.output
    with app.app_context():
        assert db.session.get(User, clerk_id).phone == "081 999 8888"   # the dry run wrote nothing
    done = runner.invoke(args=["purge-personal-data"])
    assert done.exit_code == 0 and "anonymised: 2 account requests, 1 accounts" in done.output
    with app.app_context():
        user = db.session.get(User, clerk_id)
        assert user.username == f"deleted-{clerk_id}" and user.phone is None \
            and user.email is None and "ลบข้อมูลส่วนบุคคลแล้ว" in user.full_name
        requests = {r.username: r for r in db.session.scalars(select(AccountRequest))}
        assert "secret2" in requests and requests["secret2"].phone == "089 000 002"   # recent
        assert {r.email for r in requests.values() if r.username.startswith("deleted-")} == {""}
        logged = " ".join(str(v) for row in db.session.execute(
            select(AccountLog.old_value, AccountLog.new_value)).all() for v in row)
        assert "081 999 8888" not in logged and "secret0@example.go.th" not in logged
        assert (db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.user_id == clerk_id)), db.session.scalar(select(func.count()).select_from(
                CertificationEvent).where(CertificationEvent.actor_id == clerk_id))) == history
    again = runner.invoke(args=["purge-personal-data"])
    assert "anonymised: 0 account requests, 0 accounts" in again.output
    assert login(app.test_client(), f"lao-{code}", PASSWORD).status_code == 200
