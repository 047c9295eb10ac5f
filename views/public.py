"""Public pages: the landing page, About (data attribution), language switch, health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session
from sqlalchemy import text

from models import db

from .auth import safe_next

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    return render_template("index.html")


@bp.route("/about")
def about():
    return render_template("about.html")


@bp.route("/lang/<code>")
def set_language(code: str):
    if code in ("th", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next") or "/"))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - the check reports, it does not crash
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "error", database=database), status
