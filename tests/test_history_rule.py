"""The LAO's own history (issue 24): once an LAO has three earlier years of a required number,
a value more than three standard deviations from their mean is a ⚠ finding — a wrong value
after a steady series, which last year's ±50 % alone can miss (thresholds:
models/rules/data/findings.toml).  Read in the same statement as last year's values."""

from __future__ import annotations

import statistics

import pytest
from sqlalchemy import select

from models import SectionWarning, Submission, db
from models.catalogue.rule_kinds import RuleContext
from models.rules.thresholds import THRESHOLDS
from models.rules.values import check_section
from models.tables.sections import Section1General
from workflow import Status

from .conftest import PASSWORD
from .formdata import form_fields

HISTORY = "ต่างจากค่าเฉลี่ย"


def _found(population: int, history: list[int]) -> list[str]:
    context = RuleContext(fiscal_year=2570,
                          history=[{"population_total": p} for p in history])
    return [f.message for f in check_section(Section1General, {"population_total": population},
                                             context=context)
            if f.field == "population_total" and HISTORY in f.message]


def test_far_from_the_mean_of_three_earlier_years_is_a_finding():
    steady = [10_000, 10_200, 9_900]
    mean, sd = statistics.fmean(steady), statistics.stdev(steady)
    k = THRESHOLDS["history"]["deviations"]
    assert _found(round(mean + k * sd) + 5, steady)               # just beyond: found
    assert not _found(round(mean + k * sd) - 5, steady)           # just within: nothing
    (message,) = _found(14_000, steady)
    assert "3 ปีก่อน (10,033.33 คน)" in message and "ปีนี้ 14,000 คน" in message
    assert not _found(14_000, steady[:2])                         # two years: too few
    assert not _found(14_000, [10_000, 10_000, 10_000])           # no spread: nothing to say
    assert not _found(14_000, [10_000, None, 10_200, None])       # blanks do not count


@pytest.fixture()
def four_years(app):
    from demo import seed_demo
    with app.app_context():
        seed_demo(scale="demo", years=4, password=PASSWORD, echo=lambda *_: None)
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
            Submission.sections_complete == 8).order_by(Submission.id)).first()
        history = db.session.scalars(
            select(Section1General.population_total)
            .join(Submission, Submission.id == Section1General.submission_id)
            .where(Submission.organization_id == sub.organization_id,
                   Submission.fiscal_year < 2570)).all()
        found = sub.id, f"lao-{sub.organization.dla_code}", [int(p) for p in history]
        db.session.remove()
    return found


def test_the_form_save_reads_every_earlier_year(app, four_years, login_as, client):
    sub_id, clerk, history = four_years
    assert len(history) >= 3
    mean, sd = statistics.fmean(history), statistics.stdev(history)
    wrong = int(mean + 6 * sd) + 1
    login_as(clerk)
    data = form_fields(client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True))
    data.update(population_male=str(wrong // 2), population_female=str(wrong - wrong // 2),
                population_total=str(wrong))
    for key in [k for k in data if k.startswith("pop_age_")]:
        data[key] = ""
    assert client.post(f"/admin/edit_s1/edit/?id={sub_id}", data=data).status_code == 302
    with app.app_context():
        messages = db.session.scalars(select(SectionWarning.message).where(
            SectionWarning.submission_id == sub_id,
            SectionWarning.field == "population_total")).all()
        db.session.remove()
    assert any(HISTORY in m and f"{len(history)} ปีก่อน" in m for m in messages), messages
