"""The API's browsable page in a real browser: swagger-ui from INFO's /vendor renders every
operation of the generated document, and the page asks nothing of any other host."""

from __future__ import annotations

from .conftest import expect


def test_the_api_docs_page_renders_every_operation_from_this_host_only(journey, demo):
    for width in (1366, 390):
        page = journey.open(width=width)
        requested, errors = [], []
        page.on("request", lambda r: requested.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("/api/v1/docs")
        expect(page.locator(".opblock")).to_have_count(7)
        expect(page.locator(".opblock-summary-path").first).to_contain_text("/api/v1/")
        journey.step(page, f"api docs at {width} px")
        assert errors == []
        assert [u for u in requested if not u.startswith(journey.base_url)] == []
        assert any(u.endswith("/api/v1/openapi.json") for u in requested)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
