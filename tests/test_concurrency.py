"""Concurrent certification and editing with real threads (SPEC §3 and §6).

Every worker thread pushes its own app context, so it has its own SQLAlchemy session and its
own connection, exactly like two waitress threads serving two requests.  The same tests run on
the SQLite file of the suite (WAL, busy_timeout, BEGIN IMMEDIATE) and on PostgreSQL when
TEST_DATABASE_URL is set.  A refused transition is an Outcome with done=False; anything raised
in a thread ("database is locked", a deadlock, a StaleDataError …) fails the test.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import event, func, select, update

from models import (CertificationEvent, FiscalYear, Organization, Submission, SubmissionLocked,
                    User, db)
from models.services.certification import missing_by_submission, transition
from models.tables.sections import Section7Environment
from workflow import Action, Status

YEAR = 2570
PROVINCE = "61"
REASON = "ตรวจสอบจำนวนประชากรอีกครั้ง"
FAR_DEADLINE = date(2099, 12, 30)
WAIT = 30  # seconds any thread may wait for another before the test gives up


# --- helpers -------------------------------------------------------------------------------

def user(username: str) -> User:
    """The user row in the current thread's own session."""
    found = db.session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found


def release() -> None:
    """End the current transaction: on SQLite a thread's first statement takes the write lock
    (BEGIN IMMEDIATE), so a thread must not hold it while it waits for another thread."""
    db.session.commit()


def run_threads(app, targets: list[Callable[[], Any]]) -> list[Any]:
    """Run each target in its own thread and app context; fail with every traceback raised."""
    errors: list[str] = []

    def wrap(target):
        def run():
            with app.app_context():
                try:
                    return target()
                except BaseException:
                    errors.append(traceback.format_exc())
                    db.session.rollback()
                    raise
        return run

    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        futures = [pool.submit(wrap(t)) for t in targets]
        results = [f.result(timeout=120) if f.exception(timeout=120) is None else None
                   for f in futures]
    assert not errors, "exceptions in worker threads:\n" + "\n".join(errors)
    return results


def open_year_far_deadline() -> None:
    """The demo's deadline (30 Dec 2026) is real; keep these tests independent of the date."""
    db.session.execute(update(FiscalYear).where(FiscalYear.be_year == YEAR)
                       .values(deadline=FAR_DEADLINE))
    db.session.commit()


def complete_drafts(limit: int) -> list[tuple[int, str]]:
    """(submission id, LAO username) of draft submissions of the open year with 8/8 sections."""
    rows = db.session.execute(
        select(Submission.id, Organization.dla_code)
        .join(Organization, Submission.organization_id == Organization.id)
        .where(Submission.fiscal_year == YEAR, Submission.province_code == PROVINCE,
               Submission.status == Status.DRAFT, Submission.sections_complete == 8)
        .order_by(Submission.id)).all()
    missing = missing_by_submission(r.id for r in rows)
    picked = [(r.id, f"lao-{r.dla_code}") for r in rows if not missing[r.id]][:limit]
    assert len(picked) == limit, "the demo needs complete drafts in the open year"
    return picked


def events_of(sub_ids) -> dict[int, list[CertificationEvent]]:
    out: dict[int, list[CertificationEvent]] = defaultdict(list)
    for e in db.session.scalars(select(CertificationEvent)
                                .where(CertificationEvent.submission_id.in_(list(sub_ids)))
                                .order_by(CertificationEvent.id)):
        out[e.submission_id].append(e)
    return out


def max_event_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(CertificationEvent.id), 0)))


# --- a. many threads, every action, the same submissions -----------------------------------

THREADS = 8
ITERATIONS = 25


def test_racing_transitions_keep_status_and_history_consistent(app, demo):
    with app.app_context():
        open_year_far_deadline()
        targets = complete_drafts(3)
        sub_ids = [sid for sid, _ in targets]
        lao_of = dict(targets)
        start_versions = dict(db.session.execute(
            select(Submission.id, Submission.version).where(Submission.id.in_(sub_ids))).all())
        baseline = max_event_id()
        db.session.remove()

    barrier = threading.Barrier(THREADS, timeout=WAIT)
    lao_actions = (Action.CERTIFY_LAO, Action.REVOKE_LAO)
    province_actions = (Action.CERTIFY_PROVINCE, Action.REVOKE_PROVINCE, Action.RETURN_TO_LAO)

    def worker(n: int):
        rng = random.Random(2570 + n)
        if n < 4:  # LAO clerks: each acts on one of the submissions, as its own LAO user
            actors = {sid: user(lao_of[sid]) for sid in sub_ids}
        else:      # province officers and DLA admins: on one, two or all three at once
            officer = user("prov-61" if n % 2 else "admin")
            actors = {sid: officer for sid in sub_ids}
        release()
        outcomes = []
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            raise AssertionError("threads did not start together") from None
        for _ in range(ITERATIONS):
            if n < 4:
                action, ids = rng.choice(lao_actions), [rng.choice(sub_ids)]
            else:
                action = rng.choice(province_actions)
                ids = rng.sample(sub_ids, rng.randint(1, len(sub_ids)))
            result = transition(action, ids, actors[ids[0]], reason=REASON, carried_ok=True)
            assert [o.submission_id for o in result] == sorted(ids)
            outcomes += [(action, o) for o in result]
            time.sleep(rng.random() / 500)
        return outcomes

    results = run_threads(app, [lambda n=n: worker(n) for n in range(THREADS)])
    outcomes = [pair for per_thread in results for pair in per_thread]
    assert len(outcomes) >= THREADS * ITERATIONS

    done = Counter(o.submission_id for _, o in outcomes if o.done)
    refused = [o for _, o in outcomes if not o.done]
    assert sum(done.values()) > 0 and refused, "the race should both succeed and refuse"
    assert all(o.message for o in refused)

    with app.app_context():
        status = dict(db.session.execute(select(Submission.id, Submission.status)
                                         .where(Submission.id.in_(sub_ids))).all())
        versions = dict(db.session.execute(select(Submission.id, Submission.version)
                                           .where(Submission.id.in_(sub_ids))).all())
        history = events_of(sub_ids)
        new_events = {sid: [e for e in history[sid] if e.id > baseline] for sid in sub_ids}
        assert sum(len(v) for v in new_events.values()) == sum(done.values())
        for sid in sub_ids:
            chain = history[sid]
            assert len(new_events[sid]) == done[sid], sid
            assert versions[sid] == start_versions[sid] + done[sid], sid
            if new_events[sid]:
                assert new_events[sid][0].from_status is Status.DRAFT, sid
                assert chain[-1].to_status is status[sid], sid
            else:
                assert status[sid] is Status.DRAFT
            for before, after in zip(chain, chain[1:]):
                assert before.to_status is after.from_status, (sid, before.id, after.id)
            # Each event matches a done outcome of the same action.
            done_actions = Counter(a for a, o in outcomes if o.done and o.submission_id == sid)
            assert Counter(e.action for e in new_events[sid]) == done_actions, sid


# --- b. two overlapping bulk certifications ------------------------------------------------

def test_two_overlapping_bulk_certifications_certify_each_submission_once(app, demo):
    with app.app_context():
        open_year_far_deadline()
        ids = list(db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == YEAR, Submission.province_code == PROVINCE,
            Submission.status == Status.LAO_CERTIFIED).order_by(Submission.id)))
        assert len(ids) >= 10
        admin_id, prov_id = user("admin").id, user("prov-61").id
        db.session.remove()

    for round_no in range(4):
        with app.app_context():
            baseline = max_event_id()
            db.session.remove()
        barrier = threading.Barrier(2, timeout=WAIT)

        def certify(username: str, barrier=barrier):
            actor = user(username)
            release()
            barrier.wait()
            return transition(Action.CERTIFY_PROVINCE, ids, actor)

        by_prov, by_admin = run_threads(app, [lambda c=certify: c("prov-61"),
                                              lambda c=certify: c("admin")])
        done_prov = {o.submission_id for o in by_prov if o.done}
        done_admin = {o.submission_id for o in by_admin if o.done}
        assert not done_prov & done_admin, f"round {round_no}: certified twice"
        assert done_prov | done_admin == set(ids), f"round {round_no}"
        assert len(done_prov) + len(done_admin) == len(ids)

        with app.app_context():
            history = events_of(ids)
            rows = {s.id: s for s in db.session.scalars(
                select(Submission).where(Submission.id.in_(ids)))}
            for sid in ids:
                new = [e for e in history[sid] if e.id > baseline]
                assert [e.action for e in new] == [Action.CERTIFY_PROVINCE], (round_no, sid)
                winner = prov_id if sid in done_prov else admin_id
                assert new[0].actor_id == winner
                assert rows[sid].status is Status.PROVINCE_CERTIFIED
                assert rows[sid].province_certified_by_id == winner
            # Back to lao_certified for the next round.
            back = transition(Action.REVOKE_PROVINCE, ids, user("admin"), reason=REASON)
            assert all(o.done for o in back)
            db.session.remove()


# --- c. a section save racing the LAO's certification --------------------------------------

def _section_value(sid: int):
    return db.session.scalar(select(Section7Environment.drainage_pumps)
                             .where(Section7Environment.submission_id == sid))


def _save_section(sid: int, marker: int, *, after_flush: Callable[[], None] | None = None):
    """Load section 7 through the ORM, change one value, commit.  Returns what happened."""
    row = db.session.get(Section7Environment, sid)
    row.drainage_pumps = marker
    started = None
    try:
        if after_flush is not None:
            db.session.flush()
            after_flush()
        started = time.perf_counter()
        db.session.commit()
    except SubmissionLocked:
        db.session.rollback()
        return {"saved": False, "commit_started": started, "ended": time.perf_counter()}
    return {"saved": True, "commit_started": started, "ended": time.perf_counter()}


def _certify_watching(sid: int, lao_username: str, *, in_transaction=None) -> dict[str, Any]:
    """certify_lao, reading the section value inside the certifying transaction (after its
    UPDATE, just before COMMIT): the value the certification covers."""
    actor = user(lao_username)
    release()
    session = db.session()
    seen: dict[str, Any] = {}

    def before_commit(sess):
        if "value" not in seen:
            seen["value"] = sess.execute(
                select(Section7Environment.drainage_pumps)
                .where(Section7Environment.submission_id == sid)).scalar()
            if in_transaction is not None:
                in_transaction()

    event.listen(session, "before_commit", before_commit)
    try:
        (outcome,) = transition(Action.CERTIFY_LAO, [sid], actor, carried_ok=True)
    finally:
        event.remove(session, "before_commit", before_commit)
    return {"outcome": outcome, "value_at_certification": seen.get("value"),
            "ended": time.perf_counter()}


def _reset_to_draft(sid: int, lao_username: str) -> int:
    status = db.session.scalar(select(Submission.status).where(Submission.id == sid))
    if status is Status.LAO_CERTIFIED:
        assert transition(Action.REVOKE_LAO, [sid], user(lao_username))[0].done
    value = _section_value(sid)
    db.session.commit()
    return value


ROUNDS = 30


def race_with_certification(app, write: Callable[[int, int], dict[str, Any]], rounds: int,
                            base: int) -> list[tuple[int, int, dict, dict, Status, Any]]:
    """Round after round, reset one complete LAO-year to draft, then start `write(sid, marker)`
    and certify_lao together (a third of the rounds lets the write start first, a third the
    certification, the rest start together; jitter varies the interleaving inside each group).
    Returns per round (marker, value before, the write's result, the certification's, the
    status after, the section value after)."""
    with app.app_context():
        open_year_far_deadline()
        ((sid, lao),) = complete_drafts(1)
        db.session.remove()
    found = []
    for round_no in range(rounds):
        with app.app_context():
            before = _reset_to_draft(sid, lao)
            db.session.remove()
        marker = base + round_no
        lead = round_no % 3
        rng = random.Random(round_no)
        barrier = threading.Barrier(2, timeout=WAIT)

        def do_write(barrier=barrier, marker=marker, lead=lead, rng=rng):
            barrier.wait()
            time.sleep((0.05 if lead == 2 else 0) + rng.random() / 1000)
            return write(sid, marker)

        def certify(barrier=barrier, lead=lead, rng=rng):
            barrier.wait()
            time.sleep((0.05 if lead == 1 else 0) + rng.random() / 1000)
            return _certify_watching(sid, lao)

        wrote, certified = run_threads(app, [do_write, certify])
        with app.app_context():
            status = db.session.scalar(select(Submission.status).where(Submission.id == sid))
            value = _section_value(sid)
            db.session.remove()
        found.append((marker, before, wrote, certified, status, value))
    return found


def test_section_save_never_lands_after_the_certification(app, demo):
    tally = Counter()
    for marker, before, saved, certified, status, value in race_with_certification(
            app, _save_section, ROUNDS, 1000):
        assert certified["outcome"].done, certified["outcome"].message
        assert status is Status.LAO_CERTIFIED
        if saved["saved"]:
            tally["save then certify"] += 1
            # The save committed before the certifying transaction: it covers the new value,
            # and the save did not even start committing after the certification had ended.
            assert certified["value_at_certification"] == marker
            assert value == marker
            assert saved["commit_started"] < certified["ended"], marker
        else:
            tally["certify then refuse"] += 1
            assert certified["value_at_certification"] == before, marker
            assert value == before, "a refused save left a change behind"
    assert sum(tally.values()) == ROUNDS
    assert tally["save then certify"] and tally["certify then refuse"], tally


def test_certification_waits_for_a_save_in_progress(app, demo):
    """The save has flushed (and holds its lock) but not committed: certify_lao must wait for
    it and certify the saved value, never certify around it."""
    with app.app_context():
        open_year_far_deadline()
        ((sid, lao),) = complete_drafts(1)
        db.session.remove()
    flushed = threading.Event()

    def save():
        def hold():
            flushed.set()
            time.sleep(0.5)
        return _save_section(sid, 4242, after_flush=hold)

    def certify():
        assert flushed.wait(WAIT)
        return _certify_watching(sid, lao)

    saved, certified = run_threads(app, [save, certify])
    assert saved["saved"]
    assert certified["outcome"].done, certified["outcome"].message
    assert certified["value_at_certification"] == 4242
    assert certified["ended"] > saved["commit_started"], "the certification did not wait"
    with app.app_context():
        assert _section_value(sid) == 4242


def test_save_is_refused_while_a_certification_is_committing(app, demo):
    """The certification has changed the status and not committed yet: a save arriving now
    waits for it and is refused with SubmissionLocked."""
    with app.app_context():
        open_year_far_deadline()
        ((sid, lao),) = complete_drafts(1)
        before = _section_value(sid)
        db.session.remove()
    updated = threading.Event()

    def certify():
        return _certify_watching(sid, lao, in_transaction=lambda: (updated.set(),
                                                                   time.sleep(0.5)))

    def save():
        assert updated.wait(WAIT)
        return _save_section(sid, 4343)

    certified, saved = run_threads(app, [certify, save])
    assert certified["outcome"].done
    assert not saved["saved"], "a change was saved into a certified submission"
    with app.app_context():
        assert _section_value(sid) == before
        status = db.session.scalar(select(Submission.status).where(Submission.id == sid))
        assert status is Status.LAO_CERTIFIED


def test_certify_lao_never_certifies_data_a_concurrent_save_made_incomplete(app, demo):
    """certify_lao checks completeness, then runs its conditional UPDATE.  A save committed in
    between that blanks a required field must not end as an LAO-certified, incomplete
    submission: either the save wins and the certification is refused as incomplete, or the
    certification wins and the save is refused."""
    with app.app_context():
        open_year_far_deadline()
        ((sid, lao),) = complete_drafts(1)
        db.session.remove()
    checked, saved_event = threading.Event(), threading.Event()
    certifier: dict[str, int] = {}

    def pause_before_update(conn, cursor, statement, parameters, context, executemany):
        if (threading.get_ident() == certifier.get("ident")
                and statement.lstrip().upper().startswith("UPDATE SUBMISSION")):
            checked.set()
            # Give a concurrent save up to a second to commit (on SQLite it cannot: this
            # transaction holds the write lock since BEGIN IMMEDIATE).
            saved_event.wait(1.0)

    def certify():
        certifier["ident"] = threading.get_ident()
        actor = user(lao)
        release()
        (outcome,) = transition(Action.CERTIFY_LAO, [sid], actor, carried_ok=True)
        return outcome

    def blank_required_field():
        assert checked.wait(WAIT)
        try:
            row = db.session.get(Section7Environment, sid)
            row.waste_disposal_method = None  # required: section 7 becomes incomplete
            db.session.commit()
            return True
        except SubmissionLocked:
            db.session.rollback()
            return False
        finally:
            saved_event.set()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", pause_before_update)
    try:
        outcome, saved = run_threads(app, [certify, blank_required_field])
    finally:
        event.remove(engine, "before_cursor_execute", pause_before_update)

    with app.app_context():
        status = db.session.scalar(select(Submission.status).where(Submission.id == sid))
        missing = missing_by_submission([sid])[sid]
        db.session.remove()
    assert not (saved and outcome.done), (
        "certify_lao succeeded although a save committed between its completeness check and "
        f"its UPDATE left the submission incomplete: status={status}, missing={missing}")
    if status is Status.LAO_CERTIFIED:
        assert missing == [], missing


def _import_section(sid: int, marker: int) -> dict[str, Any]:
    """Commit an import of section 7 for the submission's LAO (all or nothing) as the province
    officer; returns whether it wrote."""
    from models.exchange.imports import ImportFile, ImportStatus, commit_import
    code = db.session.scalar(select(Organization.dla_code).join(Submission).where(
        Submission.id == sid))
    officer = user(f"prov-{PROVINCE}")
    release()
    data = f"dla_code,drainage_pumps\n{code},{marker}\n".encode()
    result = commit_import(Section7Environment, ImportFile("race.csv", data), officer,
                           default_year=YEAR)
    return {"imported": result.batch.status is ImportStatus.COMMITTED
            and result.batch.rows_changed == 1, "ended": time.perf_counter()}


def test_an_import_never_lands_after_the_certification(app, demo):
    """An import commit racing certify_lao on the same LAO-year: either the import committed
    first (and the certification covers its value) or the import refused the row (certified)
    and changed nothing — never a value written into a certified year."""
    tally = Counter()
    for marker, before, imported, certified, status, value in race_with_certification(
            app, _import_section, 12, 2000):
        assert certified["outcome"].done, certified["outcome"].message
        assert status is Status.LAO_CERTIFIED
        if imported["imported"]:
            tally["import then certify"] += 1
            assert certified["value_at_certification"] == marker == value
        else:
            tally["certify then refuse"] += 1
            assert certified["value_at_certification"] == before == value, marker
    assert sum(tally.values()) == 12
    assert tally["import then certify"] and tally["certify then refuse"], tally
