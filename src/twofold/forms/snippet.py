"""The embeddable HTML of a form: a plain ``<form>`` posting to the public endpoint, with
the honeypot hidden from people (off-screen, not focusable, not announced) but not from
bots that fill every input."""

from __future__ import annotations

from html import escape

from twofold.core.places import COUNTRY_NAMES
from twofold.forms.fields import CONSENT_FIELD, HONEYPOT_FIELD, FieldType, FormField, stored_fields
from twofold.store.models import WebForm

_INPUT_TYPES = {
    FieldType.TEXT: "text",
    FieldType.EMAIL: "email",
    FieldType.PHONE: "tel",
    FieldType.NUMBER: "number",
    FieldType.URL: "url",
}


def public_path(form: WebForm) -> str:
    """Where the form posts (relative to the server's address)."""
    return f"/f/{form.token}"


def form_snippet(form: WebForm, *, base_url: str) -> str:
    """The HTML to paste into a web page."""
    action = escape(base_url.rstrip("/") + public_path(form))
    lines = [f'<form class="twofold-form" method="post" action="{action}" accept-charset="utf-8">']
    lines.extend(_field_html(field) for field in stored_fields(form.fields))
    if form.consent_text:
        lines.append(
            f'  <p><label><input type="checkbox" name="{CONSENT_FIELD}" value="on"> '
            f"{escape(form.consent_text)}</label></p>"
        )
    lines.append(
        '  <div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;'
        'overflow:hidden" aria-hidden="true">'
        f'<label>Fax <input type="text" name="{HONEYPOT_FIELD}" tabindex="-1" '
        'autocomplete="off" value=""></label></div>'
    )
    lines.append('  <p><button type="submit">Send</button></p>')
    lines.append("</form>")
    return "\n".join(lines)


def _field_html(field: FormField) -> str:
    required = " required" if field.required else ""
    label = escape(field.label) + (" *" if field.required else "")
    name = escape(field.name)
    if field.type is FieldType.CHECKBOX:
        return (
            f'  <p><label><input type="checkbox" name="{name}" value="on"{required}> '
            f"{label}</label></p>"
        )
    if field.type is FieldType.TEXTAREA:
        control = f'<textarea name="{name}" maxlength="5000"{required}></textarea>'
    elif field.type in {FieldType.SELECT, FieldType.COUNTRY}:
        options = (
            [(option, option) for option in field.options]
            if field.type is FieldType.SELECT
            else sorted(COUNTRY_NAMES.items(), key=lambda item: item[1])
        )
        choices = "".join(
            f'<option value="{escape(value)}">{escape(text)}</option>' for value, text in options
        )
        control = f'<select name="{name}"{required}><option value=""></option>{choices}</select>'
    else:
        kind = _INPUT_TYPES.get(field.type, "text")
        control = f'<input type="{kind}" name="{name}" maxlength="500"{required}>'
    return f"  <p><label>{label}<br>{control}</label></p>"
