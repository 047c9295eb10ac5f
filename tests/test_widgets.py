"""views/forms.html_params renders a widget's attributes exactly as WTForms' own does."""

from hypothesis import given, settings, strategies as st
from wtforms.widgets import core

from views.forms import WTFORMS_HTML_PARAMS, html_params

keys = st.from_regex(r"(data_|aria_)?[a-z][a-z_]{0,12}", fullmatch=True) | st.sampled_from(
    ["class_", "for_", "id", "name", "value", "data_role_x"])
values = st.text() | st.integers() | st.booleans() | st.none() | st.decimals(allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_the_same_markup_as_wtforms_for_any_attributes(attributes):
    ours, theirs = html_params(**attributes), WTFORMS_HTML_PARAMS(**attributes)
    assert ours == theirs
    assert type(ours) is type(theirs)


def test_the_app_renders_widgets_with_it(app):
    assert core.html_params is html_params
    assert core.TextInput.html_params is html_params
    assert core.Input.html_params is html_params
