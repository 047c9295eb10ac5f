"""The front-end libraries INFO serves itself: pinned in package-lock.json, only the listed files."""

from __future__ import annotations

import json
import os

from views.vendor import VENDOR

ROOT = os.path.dirname(os.path.dirname(__file__))


def test_every_listed_file_is_served(client):
    for name in VENDOR:
        response = client.get(f"/vendor/{name}")
        assert response.status_code == 200, name
        assert len(response.data) > 1000, name
        assert "max-age=86400" in response.headers["Cache-Control"]
        assert "Set-Cookie" not in response.headers


def test_nothing_else_of_node_modules_is_reachable(client):
    for name in ("package.json", "..%2Fpackage.json", "chart.js", ".installed",
                 "swagger-ui-dist%2Findex.html", "../app.py"):
        assert client.get(f"/vendor/{name}").status_code == 404, name


def test_versions_are_pinned_exactly():
    with open(os.path.join(ROOT, "package.json")) as f:
        wanted = json.load(f)["dependencies"]
    with open(os.path.join(ROOT, "package-lock.json")) as f:
        locked = json.load(f)["packages"]
    for package, version in wanted.items():
        assert version[0].isdigit(), f"{package} {version}: pin an exact version"
        assert locked[f"node_modules/{package}"]["version"] == version
