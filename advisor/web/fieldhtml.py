"""One input of the form as HTML, written in Python rather than by a Jinja macro.

The form under every result renders each of its ~45 inputs (and each component's); as a macro that was a third
of the result page's time, spent in Jinja's macro calls and escaping of the same labels and help again and
again. The parts of an input that depend only on its field (label, help line, folded help) are escaped once per
field; the rest is a few string joins. The HTML is what the macro wrote, byte for byte
(tests/test_pages_unchanged.py and the page digests of tests/test_answers_unchanged.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from advisor.web.formdata import FormState
from advisor.web.inputs import FIRST, INPUTS, MORE_DETAIL, SECTION_HELP, STARTING_VALUES, FormField

_YES_NO = ("yes", "no")
# What depends only on a field (and on the component it is of) is escaped once, kept by input key: a bounded set,
# the form's own fields times its components.
_NAMES: dict[str, tuple[str, str]] = {}
_OPTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {}
_CHECKBOXES: dict[str, dict[str, str]] = {}


def _names(key: str) -> tuple[str, str]:
    """An input's name and its element id ("components.0.host.os" -> "f-components-0-host-os"), escaped."""
    names = _NAMES.get(key)
    if names is None:
        names = _NAMES[key] = (str(escape(key)), "f-" + str(escape(key.replace(".", "-"))))
    return names


def _options(f: FormField) -> tuple[tuple[str, str, str], ...]:
    """Each choice of a select: (choice, its option, its option selected)."""
    options = _OPTIONS.get(f.key)
    if options is None:
        choices = f.choices if f.kind == "choice" else _YES_NO
        options = _OPTIONS[f.key] = tuple(
            (
                choice,
                f"\n    <option>{escape(choice)}</option>\n    ",
                f"\n    <option selected>{escape(choice)}</option>\n    ",
            )
            for choice in choices
        )
    return options


def _checkboxes(f: FormField) -> dict[str, str]:
    """Each choice of a list of checkboxes, escaped."""
    shown = _CHECKBOXES.get(f.key)
    if shown is None:
        shown = _CHECKBOXES[f.key] = {choice: str(escape(choice)) for choice in f.choices}
    return shown


def _more_help(f: FormField, id_: str) -> str:
    """The rest of a field's help, folded: its first line is shown beside the input."""
    _, _, more, lower = f.html_words
    if not more:
        return ""
    return (
        f'<details class="more-help" id="{id_}-more"><summary>More<span class="visually-hidden"> about {lower}'
        f"</span></summary><p>{more}</p></details>"
    )


def _errors(problems: list[str], id_: str) -> str:
    if not problems:
        return ""
    said = "".join(f"<p><strong>Error:</strong> {escape(problem)}</p>" for problem in problems)
    return f'<div class="error" id="{id_}-error">{said}</div>'


def field(f: FormField, value: Any, errors: dict[str, list[str]], prefix: str = "", component: bool = False) -> Markup:
    """One input of the profile. `prefix` is "" on the profile and "components.N." on a component, where an
    empty input means "same as above"."""
    value = value if value is not None else ""
    if f.kind == "choices":
        return _choices(f, value, errors.get(prefix + f.key, []), prefix, component)
    problems = errors.get(prefix + f.key)
    if not problems and value.__class__ is str and value in _usual_values(f):
        # An input left empty, at its starting value or at one of its own choices is the same HTML on every page.
        usual = (prefix + f.key, component, value)
        html = _USUAL.get(usual)
        if html is None:
            html = _input(f, value, prefix, component, [])
            if len(_USUAL) < MAX_USUAL:
                _USUAL[usual] = html
        return html
    return _input(f, value, prefix, component, problems or [])


# The whole HTML of inputs that hold one of their usual values (empty, the starting value, one of the field's
# choices), by input key, component or not, and value: a set the form's fields bound, and this number too.
MAX_USUAL = 8192
_USUAL: dict[tuple[str, bool, str], Markup] = {}
_USUAL_VALUES: dict[str, frozenset[str]] = {}


def _usual_values(f: FormField) -> frozenset[str]:
    values = _USUAL_VALUES.get(f.key)
    if values is None:
        starting = STARTING_VALUES.get(f.key, "")
        values = frozenset(["", "none", *([starting] if isinstance(starting, str) else [])])
        if f.kind == "choice":
            values |= frozenset(f.choices)
        elif f.kind == "flag":
            values |= frozenset(_YES_NO)
        values = _USUAL_VALUES[f.key] = values
    return values


def _input(f: FormField, value: Any, prefix: str, component: bool, problems: list[str]) -> Markup:
    """One input of any kind but "choices", its value written into its frame."""
    if problems:
        head, tail = _frame(f, prefix, component, problems)
    else:  # what surrounds the value, the same on every page: made once per input
        frame = _FRAMES.get((prefix + f.key, component))
        if frame is None:
            frame = _FRAMES[prefix + f.key, component] = _frame(f, prefix, component, [])
        head, tail = frame
    if f.kind == "flag" and not component:
        shown = " checked" if str(value).lower() in ("yes", "on", "true") else ""
    elif f.kind in ("choice", "flag"):
        shown = _selected(f, value, component)
    else:
        shown = str(escape(value))
    return Markup(head + shown + tail)


# An input's HTML before and after its value, by input key and whether it is a component's, for inputs with no
# error: the form's own fields times its components, a bounded set.
_FRAMES: dict[tuple[str, bool], tuple[str, str]] = {}


def _frame(f: FormField, prefix: str, component: bool, problems: list[str]) -> tuple[str, str]:
    """What an input of one of the kinds but "choices" writes before and after its value."""
    key, id_ = _names(prefix + f.key)
    described = id_ + "-help" + (" " + id_ + "-error" if problems else "")
    label, line, _, _ = f.html_words
    invalid = " invalid" if problems else ""
    aria_invalid = ' aria-invalid="true"' if problems else ""
    opening = f'\n<div class="field {escape(f.kind)}{invalid}">\n  '
    closing = (
        f'\n  <p class="help" id="{id_}-help">{line}</p>\n  {_more_help(f, id_)}\n  {_errors(problems, id_)}\n</div>\n'
    )
    if f.kind == "flag" and not component:
        head = f'{opening}\n  <input type="checkbox" id="{id_}" name="{key}" value="yes"'
        return (
            head,
            f' aria-describedby="{described}"{aria_invalid}>\n  <label for="{id_}">{label}</label>\n  {closing}',
        )
    required = ' <span class="required">(required)</span>' if f.required and not (component and f.key != "name") else ""
    opening += f'\n  <label for="{id_}">{label}{required}</label>\n  '
    if f.kind in ("choice", "flag"):
        head = f'{opening}\n  <select id="{id_}" name="{key}" aria-describedby="{described}"{aria_invalid}>\n    '
        return head, f"\n  </select>\n  \n  {closing}"
    attributes = ""
    if f.kind == "whole":
        attributes += ' inputmode="numeric"'
    elif f.kind == "number":
        attributes += ' inputmode="decimal"'
    if f.required:
        attributes += ' aria-required="true"'
    if f.kind in ("text", "words", "command"):
        attributes += ' autocapitalize="off" spellcheck="false"'
    if component and f.key != "name":
        attributes += ' placeholder="same as above"'
    head = f'{opening}\n  <input type="text" id="{id_}" name="{key}" value="'
    return head, f'"{attributes}\n    aria-describedby="{described}"{aria_invalid}>\n  \n  {closing}'


def _selected(f: FormField, value: Any, component: bool) -> str:
    """A select's options, the value's selected."""
    out = []
    unsaid = f.kind == "choice" and f.default is None
    if component:
        out.append(f'<option value=""{" selected" if value == "" else ""}>same as above</option>')
        if unsaid:
            out.append(f'<option value="none"{" selected" if value == "none" else ""}>not said</option>')
    elif unsaid:
        out.append(f'<option value=""{"" if value else " selected"}>not said</option>')
    out.append("\n    ")
    out.extend(selected if choice == value else plain for choice, plain, selected in _options(f))
    out.append("\n    ")
    if value and value not in (f.choices if f.kind == "choice" else _YES_NO):
        out.append(f"<option selected>{escape(value)}</option>")
    return "".join(out)


def _choices(f: FormField, value: Any, problems: list[str], prefix: str, component: bool) -> Markup:
    """A list of checkboxes (workload.os)."""
    key, id_ = _names(prefix + f.key)
    described = id_ + "-help" + (" " + id_ + "-error" if problems else "")
    label, line, _, _ = f.html_words
    invalid = " invalid" if problems else ""
    out = [
        f'\n<fieldset class="field choices{invalid}" id="{id_}" aria-describedby="{described}">\n'
        f"  <legend>{label}</legend>\n  ",
        "" if component else f'<input type="hidden" name="{key}" value="">',
        '\n  <div class="options">\n  \n  ',
    ]
    # Ticked ones first, in the profile's order: the first family chooses the starter VM's guest OS.
    escaped = _checkboxes(f)
    for choice in [v for v in value if v in f.choices] + [c for c in f.choices if c not in value]:
        checked = " checked" if choice in value else ""
        shown = escaped[choice]
        out.append(
            f'\n    <label class="option"><input type="checkbox" name="{key}" value="{shown}"{checked}> '
            f"{shown}</label>\n  "
        )
    out.append("\n  \n  ")
    # A value that is not a choice (from a hand-made link) stays, ticked, so it is seen and can be unticked.
    for other in value:
        if other and other not in f.choices:
            shown = escape(other)
            out.append(
                f'\n    <label class="option"><input type="checkbox" name="{key}" value="{shown}" checked> '
                f"{shown}</label>\n  "
            )
    same = " None ticked: same as above." if component else ""
    out.append(
        f'\n  </div>\n  <p class="help" id="{id_}-help">{line}{same}</p>\n  {_more_help(f, id_)}\n  '
        f"{_errors(problems, id_)}\n</fieldset>\n"
    )
    return Markup("".join(out))


def field_list(
    shown: Sequence[FormField],
    values: dict[str, Any],
    errors: dict[str, list[str]],
    prefix: str = "",
    component: bool = False,
) -> str:
    """Several inputs in a row, each as `field` writes it."""
    out = []
    for f in shown:
        value = values.get(f.key)
        # Most inputs hold a usual value and have no error: their HTML is found without a call to `field`.
        key = prefix + f.key
        usual = value if value.__class__ is str else "" if value is None else None
        html = None if usual is None else _USUAL.get((key, component, usual))
        out.append(html if html is not None and key not in errors else field(f, value, errors, prefix, component))
    return "".join(out)


# Each folded section of a component that has inputs: (its name, its inputs, its summary, escaped once).
_COMPONENT_SECTIONS = tuple(
    (section, more, f"        <summary>More about its {escape(SECTION_HELP[section][0].lower())}</summary>\n")
    for section, more in MORE_DETAIL
    if more
)
_FOLDED = dict(MORE_DETAIL)  # the inputs of each section that are not among the first questions


def component_inputs(state: FormState, index: int, ask: str) -> Markup:
    """One component's inputs on the form (its fieldset, as the form's loop over components writes each): its
    name and first questions, then a folded section for each of the rest, open when it holds something; `ask` is
    the form's address, which its Remove button posts to."""
    component = state.components[index]
    prefix = f"components.{index}."
    name = component.get("name")
    problems = "".join(
        f'<p class="error"><strong>Error:</strong> {escape(problem)}</p>'
        for problem in state.errors.get(f"components.{index}", [])
    )
    out = [
        f'\n    \n    <fieldset class="component" id="f-components-{index}">\n'
        f"      <legend>Component {index + 1}{f': {escape(name)}' if name else ''}</legend>\n"
        f"      {problems}\n"
        f"      {field(INPUTS[0], name, state.errors, prefix, True)}\n"
        f"      {field_list(FIRST, component, state.errors, prefix, True)}\n      "
    ]
    for section, more, summary in _COMPONENT_SECTIONS:
        opened = " open" if section_open(state, index, section) else ""
        out.append(
            f'\n      <details class="component-section"{opened}>\n{summary}'
            f"        {field_list(more, component, state.errors, prefix, True)}\n"
            "      </details>\n      "
        )
    out.append(
        f'\n      <button type="submit" name="action" value="remove-component-{index}" formaction="{escape(ask)}'
        f'#f-components" class="secondary">Remove component {index + 1}</button>\n    </fieldset>\n    '
    )
    return Markup("".join(out))


def section_open(state: FormState, index: int, section: str) -> bool:
    """Open a component's section when it holds a value or an error, so nothing entered is hidden."""
    component = state.components[index]
    prefix = f"components.{index}."
    for field_ in _FOLDED[section]:  # the first questions are not folded
        given = component.get(field_.key)
        if (given and any(given) if isinstance(given, list) else given) or prefix + field_.key in state.errors:
            return True
    return False
