"""Login limits that work behind a proxy and cannot be turned on real users (issue 12):
only failed sign-ins count; per client address, per account and address, and per account
across all addresses, from which the account's known device is exempt; X-Forwarded-For is
believed only from the configured number of proxies."""

from __future__ import annotations

import itertools

import pytest
from models import AccountStatus, User, db
from workflow import Role

from .conftest import PASSWORD, csrf_token

_names = itertools.count()


@pytest.fixture()
def limited_app(app, database_url):
    """An app with the production limits, made smaller so a test can reach them."""
    from app import create_app

    def build(**config):
        return create_app({"INFO_MODE": "test", "TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": database_url,
                          "RATELIMIT_STORAGE_URI": "memory://",
                          "LOGIN_RATE_LIMIT": "8 per minute",
                          "LOGIN_ACCOUNT_IP_LIMIT": "4 per 10 minutes",
                          "LOGIN_ACCOUNT_LIMIT": "6 per hour", **config})
    return build


def _user(app) -> str:
    name = f"limit-{next(_names)}-{id(app)}"
    with app.app_context():
        user = User(username=name, role=Role.DLA_ADMIN, full_name="ทดสอบ",
                    status=AccountStatus.ACTIVE)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return name


def _attempt(client, token, username, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, headers=headers).status_code


def test_successful_sign_ins_are_not_counted(limited_app):
    app = limited_app()
    name = _user(app)
    client = app.test_client()
    codes = []
    for _ in range(12):  # more than every limit
        token = csrf_token(client)
        codes.append(_attempt(client, token, name, PASSWORD))
        client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert codes == [302] * 12


def test_failures_per_account_and_address_then_the_owner_elsewhere_still_signs_in(
        limited_app):
    app = limited_app(TRUSTED_PROXY_HOPS=1)
    name = _user(app)
    attacker = app.test_client()
    token = csrf_token(attacker)
    codes = [_attempt(attacker, token, name, "guess", "203.0.113.9") for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    owner = app.test_client()
    assert _attempt(owner, csrf_token(owner), name, PASSWORD, "198.51.100.20") == 302


def test_an_account_under_attack_from_many_addresses_keeps_its_known_device(limited_app):
    app = limited_app(TRUSTED_PROXY_HOPS=1)
    name = _user(app)
    owner = app.test_client()
    assert _attempt(owner, csrf_token(owner), name, PASSWORD, "198.51.100.20") == 302
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/admin/")})
    attacker = app.test_client()
    token = csrf_token(attacker)
    codes = [_attempt(attacker, token, name, "guess", f"203.0.113.{n}") for n in range(1, 9)]
    assert codes[:6] == [200] * 6 and set(codes[6:]) == {429}  # per account, all addresses
    stranger = app.test_client()  # the right password from an unknown browser: still limited
    assert _attempt(stranger, csrf_token(stranger), name, PASSWORD, "192.0.2.7") == 429
    # The owner's browser (known device cookie) still gets in.
    assert _attempt(owner, csrf_token(owner), name, PASSWORD, "198.51.100.20") == 302


def test_a_direct_client_cannot_choose_its_address(limited_app):
    app = limited_app()  # no trusted proxy
    client = app.test_client()
    token = csrf_token(client)
    codes = [_attempt(client, token, f"nobody-{n}", "x", f"10.0.0.{n}") for n in range(10)]
    assert codes[:8] == [200] * 8 and set(codes[8:]) == {429}


def test_behind_the_proxy_each_client_address_has_its_own_limit(limited_app):
    app = limited_app(TRUSTED_PROXY_HOPS=1)
    office = app.test_client()
    token = csrf_token(office)
    codes = [_attempt(office, token, f"a-{n}", "x", "198.51.100.1") for n in range(9)]
    assert codes[-1] == 429
    other = app.test_client()
    assert _attempt(other, csrf_token(other), "b-0", "x", "198.51.100.2") == 200



def test_processes_share_the_limits_through_redis(limited_app):
    """With RATELIMIT_STORAGE_URI=redis://… the failures are counted in Redis, so every
    waitress process behind nginx sees the same counts."""
    import redis
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:  # pragma: no cover - .ci/run starts Redis
        pytest.fail(f"Redis is not answering at {url}: {exc}")
    redis.Redis.from_url(url).flushdb()
    first = limited_app(RATELIMIT_STORAGE_URI=url)
    second = limited_app(RATELIMIT_STORAGE_URI=url)
    name = _user(first)
    a, b = first.test_client(), second.test_client()
    codes = [_attempt(a, csrf_token(a), name, "guess") for _ in range(2)]
    codes += [_attempt(b, csrf_token(b), name, "guess") for _ in range(3)]
    assert codes == [200, 200, 200, 200, 429]
    # The counters live in Redis (where every process reads them), not in a process.
    keys = [k.decode() for k in redis.Redis.from_url(url).keys("*")]
    assert any(f"account:{name}" in k for k in keys), keys
    redis.Redis.from_url(url).flushdb()
