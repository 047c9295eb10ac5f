"""Read a rendered HTML form the way a browser would submit it (for end-to-end form tests)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, css_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.css_class in (a.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else self._first_option
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops one newline right after <textarea> (WTForms writes "\r\n").
            text = "".join(self._text)
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.fields.append((self._textarea, text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def double_the_men(data: dict[str, str]) -> int:
    """Change ด้านที่ 1's form to twice as many men (a ⚠ year-over-year change that breaks no
    blocking rule: the total follows, the age bands are emptied); returns the new count."""
    male = int(data["population_male"].replace(",", "")) * 2
    female = int(data["population_female"].replace(",", ""))
    data["population_male"], data["population_total"] = str(male), str(male + female)
    for band in ("pop_age_0_17", "pop_age_18_25", "pop_age_26_60", "pop_age_over_60"):
        data[band] = ""
    return male


def form_fields(html: str, css_class: str = "admin-form") -> dict[str, str]:
    """name → value of the first form with `css_class` (last value wins for repeated names)."""
    reader = _FormReader(css_class)
    reader.feed(html)
    # Inline row templates live in a hidden "template" block and are not submitted.
    return {name: value for name, value in reader.fields if "__prefix__" not in name}
