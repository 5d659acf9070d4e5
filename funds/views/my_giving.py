"""Your giving: the gifts you have made, your monthly gifts and your Gift Aid declarations, and
stopping either."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds import permissions, services
from funds.models import GiftAidDeclaration, RegularGift
from funds.views.access import bp
from giving.extensions import db
from giving.forms import ButtonForm
from giving.pagination import paginate
from giving.transaction import button_action


@bp.get("/giving")
@login_required
def my_giving() -> str:
    page = paginate(services.donations_for_user_stmt(current_user))
    return render_template(
        "funds/my_giving.html",
        page=page,
        monthly=services.regular_gifts_for_user(db.session, current_user),
        declarations=services.declarations_for_user(db.session, current_user),
        button=ButtonForm(),
    )


@bp.post("/giving/monthly/<int:gift_id>/cancel")
@login_required
def cancel_monthly(gift_id: int) -> Response:
    gift = db.get_or_404(RegularGift, gift_id)
    if not permissions.can_see_regular_gift(db.session, current_user, gift):
        abort(403)
    button_action(
        lambda: services.cancel_regular_gift(db.session, current_user, gift),
        _("Your monthly gift has stopped. No more payments will be taken."),
    )
    return redirect(url_for("funds.my_giving"))


@bp.post("/giving/gift-aid/<int:declaration_id>/cancel")
@login_required
def cancel_declaration(declaration_id: int) -> Response:
    declaration = db.get_or_404(GiftAidDeclaration, declaration_id)
    if not permissions.can_see_declaration(db.session, current_user, declaration):
        abort(403)
    button_action(
        lambda: services.cancel_declaration(db.session, current_user, declaration),
        _("Your Gift Aid declaration is cancelled. It does not cover gifts from now on."),
    )
    return redirect(url_for("funds.my_giving"))
