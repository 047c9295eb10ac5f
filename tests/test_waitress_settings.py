"""`make run`, the production recipe of the README and `make deploy-check` start waitress with
the same connection limit and threads (issue 13: the default connection_limit=100 refused
clients at 120 users).  `make deploy-check` checks the limit for real (200 open connections)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_module():
    spec = importlib.util.spec_from_file_location("production_check",
                                                  ROOT / "deploy" / "production_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_connection_limit_everywhere():
    args = dict(a.lstrip("-").split("=") for a in _check_module().WAITRESS_ARGS)
    assert int(args["connection-limit"]) >= 200 + 100    # the 200-user load test, with room
    assert args["threads"] == "4"
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^CONNECTION_LIMIT \?= (\d+)$", makefile, re.M).group(1) \
        == args["connection-limit"]
    assert re.search(r"^THREADS \?= (\d+)$", makefile, re.M).group(1) == args["threads"]
    assert "--connection-limit=$(CONNECTION_LIMIT)" in makefile
    readme = (ROOT / "README.md").read_text()
    assert (f"waitress-serve --listen=127.0.0.1:8081 --threads={args['threads']} "
            f"--connection-limit={args['connection-limit']} --call app:create_app") in readme
