"""Long work as background jobs: a Gift Aid claim and the payment run's file started from the
web, run inline or by an RQ worker, with a page that shows how far they have got, then the
file or what went wrong."""

from __future__ import annotations

import io
import re
import time
import uuid

import pytest
from odf.opendocument import load
from odf.table import TableCell, TableRow
from redis import Redis
from sqlalchemy import func, select, text

from funds import services
from funds.models import DeclarationScope, GiftAidClaimItem
from funds.models import DonationMethod as M
from giving.errors import DomainError
from giving.extensions import db
from giving.jobs import commit, run_worker
from giving.models import AuditEntry, Job, JobState, Place, Role, User
from giving.services.jobs import SAVE_EVERY, start_job
from tests.conftest import in_request, post_form
from tests.database_helpers import engine_of, own_app, setup_session
from tests.factories import FundFactory, RoleGrantFactory, make_grant
from tests.funds.donation_support import offline_gift, today
from tests.giving.round_helpers import as_user


def _day(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _details(**changes) -> services.GiftAidDetails:
    values = {
        "title": "Ms",
        "first_name": "Gita",
        "last_name": "Aid",
        "house": "12",
        "postcode": "e174qh",
        "scope": DeclarationScope.THIS_GIFT,
        "taxpayer": True,
    }
    return services.GiftAidDetails(**{**values, **changes})


@pytest.fixture
def fund(app, session):
    with in_request(app, session):
        fund = FundFactory(money=5_000_000)
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        for n, pence in enumerate((1_000, 2_500), 1):
            offline_gift(
                fund,
                manager,
                pence,
                M.CHEQUE,
                donor_name=f"Giver {n}",
                donor_email=f"giver{n}@example.org",
                gift_aid=_details(last_name=f"Giver{n}"),
            )
        fund.manager = manager
    return fund


def _claim_url(fund) -> str:
    return f"/funds/{fund.id}/gift-aid/claim"


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    found = re.fullmatch(r".*/jobs/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def _claimed(session, fund) -> int:
    return session.scalar(select(func.count(GiftAidClaimItem.id))) or 0


def test_a_gift_aid_claim_from_the_web_shows_the_gifts_then_claims_them_in_a_job(
    client, session, fund
):
    as_user(client, fund.manager)
    dates = {"from_on": _day(today()), "to_on": _day(today())}
    page = post_form(client, _claim_url(fund), dates).get_data(as_text=True)
    # First it says what a claim would take; nothing is claimed yet.
    assert "2 gifts came in from" in page
    assert "Together they are £35" in page
    assert _claimed(session, fund) == 0

    job_id = _job_id(post_form(client, _claim_url(fund), {**dates, "confirmed": "yes"}))
    job = session.get(Job, job_id)
    assert job.state == JobState.DONE
    assert (job.done, job.total) == (4, 4)  # two gifts claimed, two rows written
    assert _claimed(session, fund) == 2
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Done" in page
    assert 'http-equiv="refresh"' not in page  # finished: no need to look again
    assert f'href="/jobs/{job_id}/download"' in page
    assert f'href="/funds/{fund.id}/gift-aid/claim"' in page  # the fund's claims
    download = client.get(f"/jobs/{job_id}/download")
    assert download.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
    assert "attachment" in download.headers["Content-Disposition"]
    sheet = load(io.BytesIO(download.get_data()))
    rows = [
        [str(c) for c in r.getElementsByType(TableCell)] for r in sheet.getElementsByType(TableRow)
    ]
    assert rows[0] == list(services.CLAIM_COLUMNS)
    # The £10 gift is on an aggregated line; the £25 one has the giver's name.
    assert sorted(r[2] for r in rows[1:]) == ["", "Giver2"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "giftaid.claim"))
    assert entry.actor_id == fund.manager.id

    # The same days again: those gifts are claimed, so there is nothing left to claim.
    again = post_form(client, _claim_url(fund), {**dates, "confirmed": "yes"})
    assert again.status_code == 200
    assert 'id="from_on-error"' in again.get_data(as_text=True)
    assert "There are no gifts to claim" in again.get_data(as_text=True)
    assert _claimed(session, fund) == 2


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"from_on": _day(today()), "to_on": ["", "", ""]}, "to_on", "Enter the last day"),
        ({"from_on": ["31", "2", "2026"], "to_on": _day(today())}, "from_on", "Enter a real date"),
        (
            {"from_on": _day(today()), "to_on": ["1", "1", "2026"]},
            "to_on",
            "The last day must be on or after the first",
        ),
    ],
)
def test_the_claim_page_says_what_is_wrong_next_to_the_field(
    client, session, fund, dates, field, message
):
    as_user(client, fund.manager)
    response = post_form(client, _claim_url(fund), {**dates, "confirmed": "yes"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    assert message in page
    assert _claimed(session, fund) == 0
    assert session.scalar(select(func.count(Job.id))) == 0


@pytest.fixture
def redis_queue(app, redis_url):
    connection = Redis.from_url(redis_url)
    connection.ping()
    name = f"placefund-test-{uuid.uuid4().hex[:8]}"
    saved = app.config["REDIS_URL"], app.config["RQ_QUEUE"]
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = redis_url, name
    yield name
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = saved
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)


def test_with_redis_the_payment_run_file_waits_for_a_worker_then_offers_the_file(
    app, client, session, fund, redis_queue
):
    grant = make_grant(fund, manager=fund.manager, accepted=True, total_pence=1_200_000)
    services.act_on_instalment(session, fund.manager, grant.instalments[0], "approve")
    due = grant.instalments[0].due_date
    as_user(client, fund.manager)
    run_page = f"/funds/{fund.id}/payment-run?on={due.day}&on={due.month}&on={due.year}"
    assert "Make the file for the bank (CSV)" in client.get(run_page).get_data(as_text=True)
    url = f"/funds/{fund.id}/payment-run/file?on={due.day}&on={due.month}&on={due.year}"
    job_id = _job_id(post_form(client, url, {}, page=run_page))

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Waiting to start" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert f'href="/jobs/{job_id}">Check again' in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 404

    with in_request(app, session):
        run_worker(burst=True)
    session.expire_all()
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Done" in page
    body = client.get(f"/jobs/{job_id}/download").get_data(as_text=True)
    assert body.startswith("Payee,Payee identifier,Amount (GBP),Reference")
    assert grant.group.name in body
    # Making the file pays nothing: recording the run as paid is its own step.
    session.refresh(grant.instalments[0])
    assert grant.instalments[0].state.value == "approved"


def test_the_page_of_a_running_job_shows_how_far_it_has_got_and_looking_changes_nothing(
    client, session, fund
):
    job = Job(
        kind="test",
        title="Counting things",
        place=fund.place,
        started_by_id=fund.manager.id,
        state=JobState.RUNNING,
        done=2300,
        total=10000,
    )
    session.add(job)
    session.flush()
    as_user(client, fund.manager)
    for _look in range(2):
        page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
        assert "2,300 of 10,000 done, 23%" in page
        assert '<progress class="govuk-!-width-full' in page
        assert 'max="10000" value="2300"' in page
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "Check again" in page
    session.refresh(job)
    assert (job.state, job.done, job.total) == (JobState.RUNNING, 2300, 10000)


def _half_done(place_id: int | None) -> None:
    """Some of a job's work: a row written in its transaction."""
    entry = AuditEntry(action="test.half", object_type="test", object_id="1", summary="half done")
    entry.place_id = place_id
    db.session.add(entry)
    db.session.flush()


def refused(session, actor, place_id, *, progress):
    """Work that a rule refuses, after doing some of it."""
    _half_done(place_id)
    raise DomainError("The bank file needs at least one payment. Mark one as ready first.")


def broken(session, actor, place_id, *, progress):
    _half_done(place_id)
    raise ZeroDivisionError("a bug")


@pytest.mark.parametrize(
    ("work", "message"),
    [
        (refused, "The bank file needs at least one payment. Mark one as ready first."),
        (broken, "Something went wrong on our side, so this did not finish. Nothing was changed."),
    ],
)
def test_a_job_that_fails_changes_nothing_and_its_page_says_why(
    app, client, session, fund, work, message
):
    with in_request(app, session):
        job = start_job(session, fund.manager, fund.place, "test", work, fund.place.id, title="X")
        commit()
    session.expire_all()
    job = session.get(Job, job.id)
    assert job.state == JobState.FAILED
    assert job.finished_at is not None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "test.half")) is None
    as_user(client, fund.manager)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "This could not finish" in page
    assert message in page
    assert "a bug" not in page
    assert 'http-equiv="refresh"' not in page
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


SEEN: list[tuple] = []
HALF_DONE = "SELECT count(*) FROM audit_entries WHERE action = 'test.half'"


def _from_outside(job_id: int) -> tuple:
    """The job's row, and whether the work's own row is there, as another connection (the
    job's page) sees them."""
    with db.engine.connect() as other:
        done, total = other.execute(
            text("SELECT done, total FROM jobs WHERE id = :id"), {"id": job_id}
        ).one()
        half = other.scalar(text(HALF_DONE))
    return done, total, half


def counts_then_writes(session, actor, place_id, *, progress):
    """Work that reports progress, too soon again, then writes and reports once more."""
    progress(2300, 10000)
    SEEN.append(_from_outside(progress.job_id))
    progress(2400, 10000)  # too soon after the last save: kept for later
    SEEN.append(_from_outside(progress.job_id))
    _half_done(place_id)
    time.sleep(SAVE_EVERY + 0.1)
    progress(5000, 10000)
    SEEN.append(_from_outside(progress.job_id))
    progress(10000, 10000)


def test_progress_is_saved_where_the_page_can_see_it_but_never_half_the_work(tmp_path):
    SEEN.clear()
    with own_app(tmp_path, "jobs_progress") as own:
        engine = engine_of(own)
        with setup_session(engine) as setup:
            fund = FundFactory()
            manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
            setup.commit()
            place_id, manager_id = fund.place_id, manager.id
        with own.test_request_context():
            manager = db.session.get(User, manager_id)
            place = db.session.get(Place, place_id)
            job = start_job(
                db.session, manager, place, "test", counts_then_writes, place_id, title="X"
            )
            commit()
            job_id = job.id
        assert SEEN[0] == (2300, 10000, 0)
        assert SEEN[1] == (2300, 10000, 0)
        # Once the work has written, PostgreSQL saves progress on a connection of its own;
        # SQLite (one writer at a time) keeps it for the end. Neither shows the work's rows
        # before the work is done.
        saved = 5000 if own.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 2300
        assert SEEN[2] == (saved, 10000, 0)
        with engine.connect() as other:
            row = other.execute(
                text("SELECT state, done, total FROM jobs WHERE id = :id"), {"id": job_id}
            ).one()
            half = other.scalar(text(HALF_DONE))
        assert tuple(row) == ("done", 10000, 10000)
        assert half == 1
