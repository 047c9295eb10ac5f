"""Front-end libraries from the npm registry, served by INFO itself (no CDN).

`make assets` runs `npm ci --ignore-scripts` from package.json / package-lock.json into
node_modules/; only the files named in VENDOR are reachable, at /vendor/<name>.
"""

from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("vendor", __name__)

# name served → file under node_modules/ (a library's own licence travels with it there)
VENDOR = {
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}


def node_modules() -> str:
    return os.path.join(current_app.root_path, "node_modules")


@bp.route("/vendor/<name>")
def asset(name: str):
    path = VENDOR.get(name)
    if path is None:
        abort(404)
    folder, filename = os.path.split(os.path.join(node_modules(), path))
    if not os.path.isfile(os.path.join(folder, filename)):
        abort(404)  # `make assets` was not run
    # The versions are pinned in package-lock.json; a browser may keep them for a day.
    return send_from_directory(folder, filename, max_age=86400)
