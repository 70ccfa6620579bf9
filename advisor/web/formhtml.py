"""The profile form of the page (the first questions, the estate's components, "More detail") as HTML, written in
Python rather than by the template.

Under every result the whole form is written again, and most of it is the same on every page: its headings, the
help of each section and of components. That text is escaped and joined once per process; a page writes only its
inputs (advisor/web/fieldhtml.py) and the little that depends on what the form holds between them. In the
template, the form cost a dozen Jinja calls and some fifty escapes of the same constant text per page. The HTML is
what index.html wrote, byte for byte (tests/test_pages_unchanged.py and the permalink pages of
tests/test_answers_unchanged.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from markupsafe import Markup, escape

from advisor.web.fieldhtml import component_inputs, field, field_list
from advisor.web.formdata import FormState
from advisor.web.inputs import (
    COMPONENTS_HELP,
    FIRST,
    INPUTS,
    MAX_COMPONENTS,
    MORE_DETAIL,
    SECTION_HELP,
    STARTING_VALUES,
)

profile_form_html = Blueprint("profile_form_html", __name__)

MORE_QUESTIONS = sum(len(fields) for _, fields in MORE_DETAIL)  # what "More detail" holds

# The constant text around the inputs, escaped once.
_FIRST_HEAD = (
    # (The template's comment line was: Enter in any field asks for advice: the first submit button is the form's
    # default.)
    '" class="profile" id="profile" novalidate>\n  \n'
    '  <button type="submit" name="action" value="recommend" class="default-action" tabindex="-1" '
    'aria-hidden="true">Recommend</button>\n'
)
_COMPONENTS_HEAD = (
    "  </fieldset>\n\n"
    '  <fieldset class="section estate" id="f-components">\n'
    "    <legend>This is an estate of several parts</legend>\n"
    f'    <p class="section-help" id="components-help">{escape(COMPONENTS_HELP[0])}</p>\n'
    '    <details class="more-help" id="components-more"><summary>More<span class="visually-hidden"> about '
    f"components</span></summary><p>{escape(COMPONENTS_HELP[1])}</p></details>\n    "
)
# Each section of "More detail" that has inputs: (its inputs, what is written before them, and after).
_MORE_SECTIONS = tuple(
    (
        more,
        f'\n    <fieldset class="section" id="section-{escape(section)}">\n'
        f"      <legend>{escape(SECTION_HELP[section][0])}</legend>\n"
        f'      <p class="section-help">{escape(SECTION_HELP[section][1])}</p>\n      ',
        "\n    </fieldset>\n    ",
    )
    for section, more in MORE_DETAIL
    if more
)
_MORE_SUMMARY = f"\n    <summary>More detail: {MORE_QUESTIONS} more questions, each with a default"
_CLOSING = (
    "\n  </details>\n\n"
    '  <div class="actions">\n'
    '    <button type="submit" name="action" value="recommend" class="primary">Recommend a platform</button>\n'
    "  </div>\n"
    "</form>\n"
)


@profile_form_html.app_template_global("profile_form")
def profile_form(state: FormState, values: dict[str, Any], answered: bool, ask: str) -> Markup:
    """The profile form, filled in with `values` (the starting values under what the state holds) and the state's
    errors; `answered`: under a result, folded as "Change the profile"; `ask` is the form's address."""
    errors = state.errors
    action = escape(ask)
    count = len(state.components)
    out = []
    if answered:
        out.append(f'<details class="change-profile"{" open" if errors else ""}><summary>Change the profile</summary>')
    out += [
        '\n<form method="post" action="',
        action,
        _FIRST_HEAD,
        f"  <h2>{'Change the profile' if answered else 'The workload'}</h2>\n"
        '  <fieldset class="section" id="section-first">\n'
        "    <legend>What decides most answers</legend>\n    ",
        field(INPUTS[0], values.get("name"), errors),
        "\n    ",
        field_list(FIRST, values, errors),
        "\n",
        _COMPONENTS_HEAD,
        *(
            f'<p class="error" id="f-components-error"><strong>Error:</strong> {escape(problem)}</p>'
            for problem in errors.get("components", [])
        ),
        "\n    ",
        *(component_inputs(state, index, ask) for index in range(count)),
        "\n    ",
    ]
    if count < MAX_COMPONENTS:
        out.append(
            '\n    <button type="submit" name="action" value="add-component" '
            f'formaction="{action}#f-components-{count}" class="secondary">Add a component</button>\n    '
        )
    out += [
        '\n  </fieldset>\n\n  <details class="more-detail" id="more-detail"',
        " open" if more_open(state, values) else "",
        ">",
        _MORE_SUMMARY,
        " that every component shares unless it says otherwise" if count else "",
        "</summary>\n    ",
    ]
    for more, head, tail in _MORE_SECTIONS:
        out += [head, field_list(more, values, errors), tail]
    out.append(_CLOSING)
    if answered:
        out.append("</details>")
    return Markup("".join(out))


def more_open(state: FormState, values: dict[str, Any]) -> bool:
    """Open "More detail" when a field in it holds an error or a value other than its starting one, so nothing
    entered or wrong is hidden."""
    for _, fields in MORE_DETAIL:
        for field_ in fields:
            if field_.key in state.errors or values.get(field_.key, "") != STARTING_VALUES.get(field_.key, ""):
                return True
    return False
