"""A vote's results and its anonymised ballots (everyone, once it is counted)."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import render_template, request

from giving.extensions import db
from voting import services
from voting.rules import describe_rule
from voting.views.common import bp, counted_vote


@bp.get("/votes/<int:vote_id>/results")
def results(vote_id: int) -> str:
    vote = counted_vote(vote_id)
    services.load_options(db.session, vote)  # every project with its name, in one query
    rows = services.result_rows(vote)
    receipt = request.args.get("receipt", "").strip()[:20]
    return render_template(
        "voting/results.html",
        vote=vote,
        rows=rows,
        receipt=receipt,
        found=services.ballot_by_receipt(db.session, vote, receipt) if receipt else [],
        most=max([r.votes for r in rows] + [1]),
        rule_text=describe_rule(vote.rule),
        note=services.vote_note(vote),
        by_way=services.ballots_by_way(db.session, vote),
    )


@bp.get("/votes/<int:vote_id>/ballots.pb")
def ballots_file(vote_id: int) -> FlaskResponse:
    """The ballot file kept when the vote was counted, with its ETag: a client that has it
    already is told so (304) without the file being read again."""
    vote = counted_vote(vote_id)
    kept = services.ballot_file(db.session, vote)
    response = FlaskResponse(
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="placefund-vote-{vote.id}.pb"',
            "Cache-Control": "public, no-cache",
        },
    )
    response.set_etag(kept.etag)
    if request.if_none_match.contains(kept.etag):
        response.status_code = 304
        return response
    response.set_data(kept.read())
    return response
