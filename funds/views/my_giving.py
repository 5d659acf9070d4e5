"""Your giving: the gifts you have made, your monthly gifts and your Gift Aid declarations, and
stopping either."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds import permissions, services
from funds.models import GiftAidDeclaration, RegularGift
from funds.services import receipts
from funds.views.access import bp
from giving.extensions import db
from giving.forms import ButtonForm
from giving.pagination import paginate
from giving.views.lookups import allowed_or_403
from giving.views.pages import button_then


@bp.get("/giving")
@login_required
def my_giving() -> str:
    page = paginate(services.donations_for_user_stmt(current_user))
    return render_template(
        "funds/my_giving.html",
        page=page,
        monthly=services.regular_gifts_for_user(db.session, current_user),
        declarations=services.declarations_for_user(db.session, current_user),
        statement_years=receipts.statement_years(db.session, current_user),
        button=ButtonForm(),
    )


@bp.post("/giving/monthly/<int:gift_id>/cancel")
@login_required
def cancel_monthly(gift_id: int) -> Response:
    gift = allowed_or_403(RegularGift, gift_id, permissions.can_see_regular_gift)
    return button_then(
        lambda: services.cancel_regular_gift(db.session, current_user, gift),
        _("Your monthly gift has stopped. No more payments will be taken."),
        url_for("funds.my_giving"),
    )


@bp.post("/giving/gift-aid/<int:declaration_id>/cancel")
@login_required
def cancel_declaration(declaration_id: int) -> Response:
    declaration = allowed_or_403(
        GiftAidDeclaration, declaration_id, permissions.can_see_declaration
    )
    return button_then(
        lambda: services.cancel_declaration(db.session, current_user, declaration),
        _("Your Gift Aid declaration is cancelled. It does not cover gifts from now on."),
        url_for("funds.my_giving"),
    )
