"""The deadline-week workload (issue 13): 70 % LAO clerks saving, 20 % officers listing, 10 % the
public.  Run by bench/loadtest.py (headless, bounded in time, loopback only); the people to play
come from the JSON file in $INFO_LOAD_PEOPLE (clerks with their submission, officers, DLA codes).

Endpoints are named by what they are (locust's `name=`), so the p95 per endpoint does not split
by id.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, task

PEOPLE = json.load(open(os.environ["INFO_LOAD_PEOPLE"]))
PASSWORD = PEOPLE["password"]
_next = itertools.count()
_lock = threading.Lock()
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FIELD = re.compile(r'<(input|select|textarea)\b([^>]*)>', re.S)


def take(kind: str):
    with _lock:
        items = PEOPLE[kind]
        return items[next(_next) % len(items)]


CA = os.environ.get("INFO_LOAD_CA")     # the production recipe's own certificate (TLS)


class Base(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        if CA:
            self.client.verify = CA


class Signed(Base):
    abstract = True

    def login(self, username: str) -> None:
        page = self.client.get("/login", name="GET /login").text
        token = CSRF.search(page)
        self.client.post("/login", name="POST /login", allow_redirects=False, data={
            "username": username, "password": PASSWORD,
            "csrf_token": token.group(1) if token else ""})


def form_data(html: str) -> dict[str, str]:
    """The section form as a browser would post it (inputs with their value, selected options,
    textareas), read with a regex: locust's venv has no HTML parser of INFO's."""
    data: dict[str, str] = {}
    form = html.split('class="admin-form', 1)[-1].split("</form>", 1)[0]
    for match in re.finditer(r'<input\b([^>]*)>', form):
        attrs = match.group(1)
        name = re.search(r'name="([^"]+)"', attrs)
        if not name or "__prefix__" in name.group(1):
            continue
        kind = re.search(r'type="([^"]+)"', attrs)
        if kind and kind.group(1) in ("checkbox", "radio") and "checked" not in attrs:
            continue
        if kind and kind.group(1) in ("submit", "button"):
            continue
        value = re.search(r'value="([^"]*)"', attrs)
        data[name.group(1)] = value.group(1) if value else ""
    for match in re.finditer(r'<select\b([^>]*)>(.*?)</select>', form, re.S):
        name = re.search(r'name="([^"]+)"', match.group(1))
        if not name or "__prefix__" in name.group(1):
            continue
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"'
                           r'[^>]*selected', match.group(2))
        data[name.group(1)] = (chosen.group(1) or chosen.group(2) or "") if chosen else ""
    for match in re.finditer(r'<textarea\b([^>]*)>(.*?)</textarea>', form, re.S):
        name = re.search(r'name="([^"]+)"', match.group(1))
        if name and "__prefix__" not in name.group(1):
            data[name.group(1)] = match.group(2).strip()
    return {k: v.replace("&amp;", "&").replace("&quot;", '"').replace("&#39;", "'")
            for k, v in data.items()}


class Clerk(Signed):
    """An LAO clerk in the deadline week: opens the workspace, a section form, saves it."""

    weight = 7

    def on_start(self) -> None:
        super().on_start()
        person = take("clerks")
        self.sub_id = person["submission_id"]
        self.login(person["username"])

    @task(1)
    def workspace(self) -> None:
        self.client.get(f"/admin/lao_years/workspace/?id={self.sub_id}&tab={random.randint(1, 8)}",
                        name="GET workspace")

    @task(3)
    def save(self) -> None:
        no = random.choice((2, 5, 6, 7))    # sections with no child-row minimum
        url = f"/admin/edit_s{no}/edit/?id={self.sub_id}"
        page = self.client.get(url, name="GET section form")
        if page.status_code != 200:
            return
        with self.client.post(url, data=form_data(page.text), name="POST section save",
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"save answered {answer.status_code} (not a redirect)")


class Officer(Signed):
    """A province officer following the round: the open-year list, a district, a status."""

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.person = take("officers")
        self.login(self.person["username"])

    @task(3)
    def open_year(self) -> None:
        self.client.get(f"/admin/submission/?flt0_0={PEOPLE['year']}&page="
                        f"{random.randint(0, self.person['last_page'])}", name="GET review list")

    @task(1)
    def district(self) -> None:
        self.client.get(f"/admin/submission/?flt0_0={PEOPLE['year']}&flt1_1="
                        f"{random.choice(self.person['districts'])}",
                        name="GET review list, one district")

    @task(1)
    def waiting(self) -> None:
        self.client.get(f"/admin/submission/?flt0_0={PEOPLE['year']}&flt1_3=lao_certified",
                        name="GET review list, waiting")


class Public(Base):
    weight = 1

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="GET /")

    @task(2)
    def organization(self) -> None:
        self.client.get(f"/orgs/{random.choice(PEOPLE['dla_codes'])}", name="GET /orgs/<code>")

    @task(1)
    def stats(self) -> None:
        self.client.get("/stats", name="GET /stats")

    @task(1)
    def api(self) -> None:
        self.client.get("/api/v1/organizations", name="GET /api/v1/organizations")
