"""The language switcher at the top of every page: one button per language, no JavaScript."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from giving.extensions import db
from giving.forms.languages import LanguageForm
from giving.languages import remember
from giving.services.languages import choose_language as choose
from giving.transaction import form_action
from giving.views.home import bp
from giving.views.pages import safe_next


@bp.route("/language", methods=["POST"])
def choose_language() -> str | Response:
    form = LanguageForm()
    actor = current_user if current_user.is_authenticated else None
    done = form_action(form, lambda: choose(db.session, actor, form.language.data))
    if done:
        back = safe_next(form.next.data) or url_for("giving.index")
        return remember(redirect(back), done.value)
    return render_template("giving/language.html", form=form)
