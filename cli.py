"""Command-line interface: `flask --app app <command>` (SPEC §4.5)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from models import AccountStatus, District, Organization, Province, User, db
from models.tables.accounts import SCOPE_COLUMN
from models.exchange.imports import ImportSource
from workflow import Role

SCALES = ("demo", "province", "national")


def register(app: Flask) -> None:
    app.cli.add_command(seed_geo)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(demo_logins)
    app.cli.add_command(open_year)
    app.cli.add_command(close_year)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(import_section)
    app.cli.add_command(export)
    app.cli.add_command(purge_personal_data)
    app.cli.add_command(recompute_findings)


@click.command("seed-geo")
@with_appcontext
def seed_geo() -> None:
    """Load the 77 provinces, 928 districts and 7,436 subdistricts from geothai (idempotent)."""
    import demo
    added = demo.seed_geography()
    click.echo(f"geography: {added['province']} provinces, {added['district']} districts, "
               f"{added['subdistrict']} subdistricts added")


@click.command("seed-demo")
@with_appcontext
@click.option("--scale", type=click.Choice(SCALES), default="demo", show_default=True,
              help="demo = Uthai Thani (61); province = + a 300-LAO province; national = ~7,850 LAOs")
@click.option("--years", type=click.IntRange(1, 10), default=3, show_default=True,
              help="fiscal years ending with the open FY 2570")
@click.option("--password", required=True,
              help="password of every demo account (there is no built-in default)")
@click.option("--seed", type=int, default=2570, show_default=True, help="random seed")
def seed_demo(scale: str, years: int, password: str, seed: int) -> None:
    """Create demo organizations, accounts, fiscal years and submissions (idempotent)."""
    if len(password) < 8:
        raise click.UsageError("--password must be at least 8 characters")
    import demo
    report = demo.seed_demo(scale=scale, years=years, password=password, seed=seed,
                            echo=click.echo)
    for line in report:
        click.echo(line)


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--role", required=True, help="lao_editor | district_officer | province_officer | dla_admin")
@click.option("--scope", "scope_code", default=None,
              help="DLA code (lao_editor), district code (district_officer) or province code "
                   "(province_officer); none for dla_admin")
@click.option("--full-name", default="")
@click.option("--email", default=None)
@click.password_option(prompt="Password", confirmation_prompt=True, help="prompted if omitted")
def create_user(username: str, role: str, scope_code: str | None, full_name: str,
                email: str | None, password: str) -> None:
    """Create an active user with one role and one scope; the password is prompted for."""
    try:
        role_value = Role(role)
    except ValueError:
        raise click.UsageError(f"unknown role {role!r}; choose one of: "
                               + ", ".join(r.value for r in Role)) from None
    from models.rules.passwords import password_problem
    if (problem := password_problem(password, username=username)) is not None:
        raise click.UsageError(problem)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise click.UsageError(f"user {username!r} already exists")
    user = User(username=username, role=role_value, full_name=full_name, email=email,
                status=AccountStatus.ACTIVE)
    scope_column = SCOPE_COLUMN[role_value]
    if scope_column is None:
        if scope_code:
            raise click.UsageError("a dla_admin covers the whole country: leave out --scope")
    else:
        if not scope_code:
            raise click.UsageError(f"role {role_value.value} needs --scope ("
                                   + {"organization_id": "the LAO's 7-digit DLA code",
                                      "district_code": "a 4-digit district code",
                                      "province_code": "a 2-digit province code"}[scope_column] + ")")
        target = {
            "organization_id": lambda: db.session.scalar(
                select(Organization.id).where(Organization.dla_code == scope_code)),
            "district_code": lambda: db.session.scalar(
                select(District.code).where(District.code == scope_code)),
            "province_code": lambda: db.session.scalar(
                select(Province.code).where(Province.code == scope_code)),
        }[scope_column]()
        if target is None:
            raise click.UsageError(f"no {scope_column.removesuffix('_id').removesuffix('_code')} "
                                   f"with code {scope_code!r}")
        setattr(user, scope_column, target)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role_value.value} {username!r} ({user.scope_label})")


@click.command("demo-logins")
@with_appcontext
@click.option("--password", default=None, help="shown next to the logins when given")
def demo_logins(password: str | None) -> None:
    """Print the demo accounts to try, one per role and one LAO per state."""
    import demo
    orgs = db.session.scalars(select(Organization).order_by(Organization.dla_code)).all()
    for line in demo.demo_logins(orgs, password or ""):
        click.echo(line)


@click.command("open-year")
@with_appcontext
@click.argument("be_year", metavar="BE")
@click.option("--deadline", required=True, metavar="YYYY-MM-DD",
              help="last day of data entry, Gregorian (e.g. 2027-12-30 = ๓๐ ธ.ค. ๒๕๗๐)")
@click.option("--opens-on", default=None, metavar="YYYY-MM-DD",
              help="first day of data entry (default: today in Thailand; kept when re-opening)")
def open_year(be_year: str, deadline: str, opens_on: str | None) -> None:
    """Open fiscal year BE: a draft for every active LAO, pre-filled with its previous-year
    values (idempotent); re-opens a closed year with the new deadline."""
    from models.services.rounds import RoundError, open_year as open_round, parse_be_year, parse_date
    try:
        report = open_round(parse_be_year(be_year), parse_date(deadline, "กำหนดส่งข้อมูล"),
                            opens_on=parse_date(opens_on, "วันที่เปิดรับข้อมูล")
                            if opens_on is not None else None)
    except RoundError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


@click.command("recompute-findings")
@with_appcontext
@click.option("--year", "be_year", default=None, metavar="BE",
              help="one fiscal year (default: every open year)")
def recompute_findings(be_year: str | None) -> None:
    """Compute the peer bands of a fiscal year again from the data (median and MAD of every
    numeric field per LAO type, per province and nationally) and bring every LAO-year's peer
    findings up to date with them; explanations of unchanged findings are kept.  Run it after
    opening a year, after a large import, and nightly while a round is open (README)."""
    import time

    from sqlalchemy import func, select, update

    from models import FiscalYear, SectionWarning, Submission, YearStatus, db
    from models.rules.peers import evaluate, recompute_bands
    from models.services.rounds import RoundError, parse_be_year
    from models.tables.sections import SECTIONS
    try:
        years = [parse_be_year(be_year)] if be_year else list(db.session.scalars(
            select(FiscalYear.be_year).where(FiscalYear.status == YearStatus.OPEN)))
    except RoundError as exc:
        raise click.ClickException(str(exc)) from None
    for year in years:
        start = time.perf_counter()
        bands = recompute_bands(year)
        changed = evaluate(SECTIONS, Submission.fiscal_year == year)
        if changed:
            counts = select(func.count()).select_from(SectionWarning).where(
                SectionWarning.submission_id == Submission.id).scalar_subquery()
            db.session.execute(update(Submission).where(Submission.fiscal_year == year)
                               .values(warnings_count=counts)
                               .execution_options(synchronize_session=False))
        db.session.commit()
        click.echo(f"FY {year}: {bands:,} peer bands, findings changed in {len(changed):,} "
                   f"LAO-years ({time.perf_counter() - start:.1f} s)")


@click.command("close-year")
@with_appcontext
@click.argument("be_year", metavar="BE")
def close_year(be_year: str) -> None:
    """Close fiscal year BE: read-only for everybody; submission statuses are kept."""
    from models.services.rounds import RoundError, close_year as close_round, parse_be_year
    try:
        year = parse_be_year(be_year)
        count = close_round(year)
    except RoundError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"FY {year} closed: {count} submissions are now read-only")


@click.command("backup")
@with_appcontext
@click.option("--dir", "directory", default="instance/backups", show_default=True,
              type=click.Path(file_okay=False), help="where the file is written")
def backup(directory: str) -> None:
    """Write a consistent copy of the database (SQLite online backup, or pg_dump), even while
    INFO is serving; the file name carries the Bangkok time in BE."""
    from pathlib import Path

    from flask import current_app

    from models.exchange.backup import BackupError, backup as write_backup
    try:
        path = write_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(directory))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {path} ({path.stat().st_size:,} bytes)")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask (the database is replaced)")
def restore(source: str, yes: bool) -> None:
    """Replace the database by a backup written by `backup` (stop every INFO process first)."""
    from pathlib import Path

    from flask import current_app

    from models import db
    from models.exchange.backup import BackupError, restore as read_backup
    if not yes:
        click.confirm("Replace the whole database with this backup?", abort=True)
    db.engine.dispose()
    try:
        read_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(source))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored from {source}")


class _Nationwide:
    """The CLI's actor when no --user is given: the DLA's whole-country scope."""

    is_authenticated = is_active = True
    role = Role.DLA_ADMIN
    id = organization_id = district_code = area_province_code = None
    username = full_name = "CLI"


def _actor(username: str | None):
    if username is None:
        return _Nationwide()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise click.UsageError(f"no active user {username!r}")
    return user


@click.command("import-section")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--section", required=True,
              help="ด้านที่ 1–8, or a child table as its sheet is numbered (6.1: vehicles; "
                   "1.1 recorders, 3.1 occupation groups, 4.1 education, 4.2 festivals)")
@click.option("--year", type=int, required=True,
              help="fiscal year (BE) of rows without a fiscal_year column")
@click.option("--user", "username", default=None,
              help="import as this user, within its scope (default: the DLA, the whole country)")
@click.option("--commit", is_flag=True, help="write (without it: a dry run, nothing is written)")
@click.option("--good-rows", is_flag=True,
              help="write the rows that pass even when others are refused (default: all or nothing)")
@click.option("--source", type=click.Choice([s.value for s in ImportSource]), default=None,
              help="the values come from this system: read-only in the clerk's form")
def import_section(path: str, section: str, year: int, username: str | None, commit: bool,
                   good_rows: bool, source: str | None) -> None:
    """Import one section's values (or one child table's rows, keyed also by ลำดับ) from an
    XLSX or CSV UTF-8 file keyed by dla_code + fiscal year: a dry run by default, the same
    per-row report as the screen."""
    from pathlib import Path

    from models.tables.audit import current_actor
    from models.exchange.imports import (FileRefused, ImportFile, ImportMode, commit_import,
                                         plan_import, table_by_code)
    user = _actor(username)
    try:
        section_cls, child = table_by_code(section)
    except ValueError:
        raise click.BadParameter(f"no table {section!r}: 1–8, or 1.1, 3.1, 4.1, 4.2, 6.1",
                                 param_hint="--section") from None
    upload = ImportFile(Path(path).name, Path(path).read_bytes())
    origin = ImportSource(source) if source else None
    mode = ImportMode.GOOD_ROWS if good_rows else ImportMode.ALL_OR_NOTHING
    current_actor.set((user.id, "cli"))
    with click.progressbar(length=1, label="อ่านไฟล์", show_pos=True) as bar:
        def progress(n: int) -> None:
            bar.update(n)
        try:
            if commit:
                result = commit_import(section_cls, upload, user, default_year=year, mode=mode,
                                       source=origin, via="cli", progress=progress,
                                       on_rows=lambda n: setattr(bar, "length", n), child=child)
                plan = result.plan
            else:
                plan = plan_import(section_cls, upload, user, default_year=year, source=origin,
                                   progress=progress, on_rows=lambda n: setattr(bar, "length", n),
                                   child=child)
        except FileRefused as refusal:
            raise click.ClickException(str(refusal)) from None
    for row in plan.rows:
        if row.refused:
            click.echo(f"แถว {row.line} {row.dla_code} ไม่ผ่าน: " + " · ".join(row.refusals))
        elif row.changes:
            click.echo(f"แถว {row.line} {row.dla_code} เปลี่ยน: " + " · ".join(
                f"{c.label} {c.old_text} → {c.new_text}" for c in row.changes))
    click.echo(f"{upload.name} (SHA-256 {upload.sha256[:12]}…): {len(plan.rows):,} แถว · "
               f"เปลี่ยน {len(plan.changing):,} แถว ({plan.field_changes:,} รายการ) · "
               f"ไม่เปลี่ยน {len(plan.unchanged):,} · ไม่ผ่าน {len(plan.refused):,}")
    if not commit:
        click.echo("dry run: nothing written (add --commit to import)")
    elif result.committed:
        click.echo(f"imported: batch {result.batch.id}, {result.batch.rows_changed:,} rows, "
                   f"{result.batch.fields_changed:,} fields")
    else:
        raise click.ClickException(f"not imported: {len(plan.refused):,} rows refused, nothing "
                                   f"changed (batch {result.batch.id}); fix them or use --good-rows")


@click.command("export")
@with_appcontext
@click.option("--year", type=int, required=True, help="fiscal year (BE)")
@click.option("--province", default=None, help="a province code (default: the whole country)")
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False),
              help="the .xlsx to write (default: info-<year>[-<province>].xlsx)")
def export(year: int, province: str | None, out_path: str | None) -> None:
    """Write the province or national workbook of a year: one sheet per section, one row per
    LAO, every status (the DLA's copy; the public one holds certified data only)."""
    from models import Submission, utcnow
    from models.exchange.workbooks import area_workbook
    if province is not None and db.session.get(Province, province) is None:
        raise click.UsageError(f"unknown province {province!r}")
    path = out_path or f"info-{year}" + (f"-{province}" if province else "") + ".xlsx"

    def narrow(query):
        return query.where(Submission.province_code == province) if province else query
    title = f"ข้อมูลพื้นฐาน อปท. ปีงบประมาณ {year}"
    laos = area_workbook(path, year, title, narrow, utcnow())
    click.echo(f"{path}: {laos:,} LAOs")


@click.command("purge-personal-data")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="say what would be anonymised, change nothing")
@click.option("--days", type=int, default=None,
              help="keep this many days (default: PERSONAL_DATA_RETENTION_DAYS, 365)")
def purge_personal_data(dry_run: bool, days: int | None) -> None:
    """Anonymise the personal data of สมัครสมาชิก requests rejected or left pending, and of
    accounts disabled, longer ago than the retention period (the privacy notice): pseudonyms
    instead of names, phones, e-mails and usernames; the audit and certification history stay.
    Run it from cron, e.g. weekly."""
    from flask import current_app

    from models.services.accounts import purge_personal_data as purge
    kept = days if days is not None else current_app.config["PERSONAL_DATA_RETENTION_DAYS"]
    found = purge(kept, dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    click.echo(f"{'would anonymise' if dry_run else 'anonymised'}: {found['requests']:,} "
               f"account requests, {found['users']:,} accounts (older than {kept:,} days)")

