"""views/forms.html_params renders a widget's attributes exactly as WTForms' own does, and
views/forms.field_markup a section field exactly as Flask-Admin's lib.render_field macro."""

import re

from flask_admin import helpers as admin_helpers
from hypothesis import given, settings, strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import validators
from wtforms.widgets import CheckboxInput
from wtforms.widgets import core

from views.forms import WTFORMS_HTML_PARAMS, field_markup, html_params
from views.sections import SectionEditView

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


# --- views/forms.field_markup: Flask-Admin's lib.render_field, built in Python -----------------

def _normalized(html) -> str:
    """Runs of whitespace as one space, none between two tags: what a browser lays out alike."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def _section_forms(app):
    """Each section form's class, from the app's section views."""
    return [(view.section_cls, view._edit_form_class) for view in app.extensions["admin"][0]._views
            if isinstance(view, SectionEditView)]


def _macro(app):
    """Flask-Admin's own macro, as the edit page calls it (the theme's admin/lib.html)."""
    return app.jinja_env.get_template("admin/lib.html").make_module({"h": admin_helpers})


def _simple_fields(form):
    return [f for f in form
            if f.type not in ("InlineModelFormList", "HiddenField", "CSRFTokenField")]


def test_every_section_field_is_drawn_as_the_macro_draws_it(app):
    """Each section's fields, blank, with the posted values a clerk may send, with errors, a
    required star and a checkbox: the same markup as lib.render_field."""
    with app.test_request_context("/"):
        render_field = _macro(app).render_field
        forms = _section_forms(app)
        assert len(forms) == 8
        seen = 0
        for _section, form_class in forms:
            for formdata in (None, MultiDict()):
                form = form_class(formdata)
                form.validate()          # blank numbers parse to None; the rules run elsewhere
                for field in _simple_fields(form):
                    assert _normalized(field_markup(field)) == _normalized(
                        render_field(form, field, {})), field.name
                    seen += 1
            form = form_class(MultiDict())
            for field in _simple_fields(form):
                field.errors = ["ต้องเป็นตัวเลข <b>", 'มี "เครื่องหมาย" & อื่นๆ']
                field.validators = [*field.validators, validators.InputRequired()]
                assert _normalized(field_markup(field)) == _normalized(
                    render_field(form, field, {})), field.name
        assert seen > 150


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                 max_size=20)


@settings(max_examples=150, deadline=None)
@given(section=st.integers(0, 7), pick=st.integers(0, 10_000), value=texts, label=texts,
       description=texts, errors=st.lists(texts | st.none(), max_size=3),
       checkbox=st.booleans(), required=st.booleans())
def test_any_field_state_is_drawn_as_the_macro_draws_it(app, section, pick, value, label,
                                                         description, errors, checkbox,
                                                         required):
    """Any posted value, label, help text and errors (strings or not), on any section field,
    as a checkbox or not, required or not."""
    with app.test_request_context("/"):
        _cls, form_class = _section_forms(app)[section]
        names = [f.name for f in _simple_fields(form_class())]
        name = names[pick % len(names)]
        form = form_class(MultiDict({name: value}))
        form.validate()
        field = form[name]
        field.label.text = label
        field.description = description
        field.errors = [e for e in errors] if errors else field.errors
        if checkbox and hasattr(field, "_value"):     # a select has no checkbox rendering
            field.widget = CheckboxInput()
        if required:
            field.validators = [*field.validators, validators.DataRequired()]
        assert _normalized(field_markup(field)) == _normalized(
            _macro(app).render_field(form, field, {}))


def test_the_section_forms_use_it(app, clerk, client):
    """The clerk's section page draws its fields with field_markup (no macro call per field)."""
    from views import forms
    calls = []
    original = forms.field_markup

    def counted(field):
        calls.append(field.name)
        return original(field)
    import views.sections as sections
    sections.field_markup, saved = counted, sections.field_markup
    try:
        page = client.get(f"/admin/edit_s6/edit/?id={clerk}")
    finally:
        sections.field_markup = saved
    assert page.status_code == 200
    assert "fires" in calls and 'name="fires"' in page.get_data(as_text=True)
