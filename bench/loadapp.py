"""The app the load test serves: INFO as configured by the environment, with the per-address
login and API limits raised.  Every simulated user comes from 127.0.0.1 (behind nginx too), while
on a deadline morning the offices sign in from thousands of addresses; the limits themselves are
checked by tests/test_login_limits.py and `make deploy-check`.

    waitress-serve --call loadapp:create      (PYTHONPATH=bench; bench/loadtest.py does this)
"""

from app import create_app

UNLIMITED = "1000000 per minute"


def create():
    return create_app({"LOGIN_RATE_LIMIT": UNLIMITED, "LOGIN_ACCOUNT_IP_LIMIT": UNLIMITED,
                       "LOGIN_ACCOUNT_LIMIT": UNLIMITED, "API_RATE_LIMIT": UNLIMITED})
