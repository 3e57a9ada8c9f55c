"""The flow editor over HTTP: a draft from a starter (picks refused beside their fields,
nothing stored), the diagram with counts, step and trigger forms (problems beside the field
they concern, the stored flow unchanged), removing steps, an active flow refused, viewers
refused, and a send step's message previewed for a chosen person."""

from __future__ import annotations

import re
from typing import Any

import httpx
from web_support import Site, csrf_token

from support import count_rows
from twofold.flows.starters import STARTERS
from twofold.messaging.channels import Channel
from twofold.messaging.templates import TemplateSources, create_template
from twofold.store.models import Flow, Person, User

CART_HTML = (
    "<p>Hi {{ person.first_name }}, your cart is waiting.</p>"
    "{% for product in recommendations %}<p class='rec'>{{ product.name }}</p>"
    "{% else %}<p>Our bestsellers are back in stock.</p>{% endfor %}"
)


def _templates(site: Site) -> tuple[int, int]:
    with site.database.transaction() as session:
        admin = session.query(User).filter_by(email=site.crm.admin_email).one()
        email = create_template(
            session,
            actor=admin,
            name="Cart reminder",
            channel=Channel.EMAIL,
            sources=TemplateSources(subject="{{ person.first_name }}, your cart", html=CART_HTML),
        )
        sms = create_template(
            session,
            actor=admin,
            name="Cart SMS",
            channel=Channel.SMS,
            sources=TemplateSources(text="Your cart!"),
        )
        return email.id, sms.id


def _definition(site: Site, flow_id: int) -> dict[str, Any]:
    with site.database.transaction(write=False) as session:
        flow = session.get(Flow, flow_id)
        assert flow is not None
        return dict(flow.definition)


def _cart_flow(client: httpx.Client, token: str, email_id: int) -> int:
    made = client.post(
        "/flows/starters/abandoned_cart",
        data={"csrf_token": token, "name": "Cart", "reminder": email_id, "last_call": email_id},
    )
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="error-{re.escape(field)}-1">([^<]*)<', page)
    assert found, f"no message beside {field}"
    return found.group(1)


def test_a_draft_from_a_starter_and_its_diagram(site: Site) -> None:
    email_id, sms_id = _templates(site)
    with site.logged_in() as client:
        token = csrf_token(client)
        listing = client.get("/flows/starters").text
        assert all(f'href="/flows/starters/{starter.key}"' in listing for starter in STARTERS)
        assert 'href="/flows/starters"' in client.get("/flows").text
        form = client.get("/flows/starters/abandoned_cart").text
        assert "Cart reminder" in form
        assert "Cart SMS" not in form
        assert client.get("/flows/starters/nothing").status_code == 404

        missing = client.post(
            "/flows/starters/abandoned_cart", data={"csrf_token": token, "name": "Cart"}
        )
        assert missing.status_code == 422
        assert _error(missing.text, "reminder") == "choose an email template"
        wrong = client.post(
            "/flows/starters/abandoned_cart",
            data={"csrf_token": token, "name": "Cart", "reminder": sms_id, "last_call": 99999},
        )
        assert wrong.status_code == 422
        assert _error(wrong.text, "reminder") == f"no email template {sms_id}"
        assert count_rows(site.database, "flows") == 0

        flow_id = _cart_flow(client, token, email_id)
        page = client.get(f"/flows/{flow_id}").text
        assert 'id="flow-diagram"' in page
        boxes = re.findall(r'<a href="([^"]+)" class="flow-box[^"]*" data-step="([^"]+)"', page)
        assert (f"/flows/{flow_id}/trigger", "trigger") in boxes
        assert (f"/flows/{flow_id}/steps/ordered%3F", "ordered?") in boxes
        assert len(boxes) == 7
        assert "Email: Cart reminder" in page
        assert "Event Checkout Started" in page
        assert "entered 0 · waiting 0 · done 0" in page
        assert "yes → end" in page  # a branch that ends the run has no arrow: it says so
        assert "Wait 1 h" in page
        assert re.search(
            r'data-source="ordered\?" data-target="reminder">\s*<path[^>]*></path>\s*'
            r"<text[^>]*>no</text>",
            page,
        )


def test_step_forms_refuse_bad_input_and_save_good(site: Site) -> None:
    email_id, _ = _templates(site)
    with site.logged_in() as client:
        token = csrf_token(client)
        flow_id = _cart_flow(client, token, email_id)
        stored = _definition(site, flow_id)
        form = client.get(f"/flows/{flow_id}/steps/wait").text
        assert 'name="amount" type="number" value="1"' in form

        def post(path: str, **fields: object) -> httpx.Response:
            return client.post(f"/flows/{flow_id}{path}", data={"csrf_token": token, **fields})

        not_number = post("/steps/wait", type="delay", id="wait", amount="soon", next="ordered?")
        assert not_number.status_code == 422
        assert _error(not_number.text, "amount") == "must be a number"
        negative = post("/steps/wait", type="delay", id="wait", amount="-2", next="ordered?")
        assert negative.status_code == 422
        assert _error(negative.text, "amount").startswith("must be a number of hours")
        orphan = post("/steps/wait", type="delay", id="wait", amount="2", next="")
        assert orphan.status_code == 422  # the rest of the flow would be unreachable
        assert "cannot be reached from start" in orphan.text
        bad_rule = post(
            "/steps/ordered%3F",
            type="condition",
            id="ordered?",
            rule='{"order": {"within": 1}}',
            yes="",
            no="reminder",
        )
        assert bad_rule.status_code == 422
        assert _error(bad_rule.text, "rule") == "is not allowed here"  # rule.order.within
        no_template = post("/steps/reminder", type="send_email", id="reminder", template_id="")
        assert _error(no_template.text, "template_id") == "choose a template"
        gone = post(
            "/steps/reminder", type="send_email", id="reminder", template_id="99999", next="a_day"
        )
        assert gone.status_code == 422
        assert _error(gone.text, "template_id") == "no email template 99999"
        taken = post("/steps", type="create_task", id="wait", slot="reminder.next", subject="x")
        assert taken.status_code == 422
        assert _error(taken.text, "id") == "another step is already called wait"
        assert _definition(site, flow_id) == stored  # nothing of the refusals stored

        longer = post(
            "/steps/wait", type="delay", id="pause", amount="2", unit="days", next="ordered?"
        )
        assert longer.status_code == 303
        added = post(
            "/steps",
            type="create_task",
            id="call",
            slot="reminder.next",
            subject="Call about the cart",
            due_days="1",
            next="a_day",
        )
        assert added.status_code == 303
        steps = {step["id"]: step for step in _definition(site, flow_id)["steps"]}
        assert _definition(site, flow_id)["start"] == "pause"
        assert steps["pause"] == {"id": "pause", "type": "delay", "days": 2, "next": "ordered?"}
        assert steps["reminder"]["next"] == "call"
        assert steps["call"]["next"] == "a_day"

        stuck = post("/steps/still%3F/delete")  # its "no" branch would be left unreachable
        assert stuck.status_code == 422
        assert "last_call cannot be reached" in stuck.text
        leaf = post("/steps/last_call/delete")
        assert leaf.status_code == 303
        steps = {step["id"]: step for step in _definition(site, flow_id)["steps"]}
        assert "last_call" not in steps
        assert steps["still?"]["no"] is None
        assert client.get(f"/flows/{flow_id}/steps/nothing").status_code == 404


def test_trigger_form_active_flows_and_viewers(site: Site) -> None:
    email_id, _ = _templates(site)
    with site.logged_in() as client:
        token = csrf_token(client)
        flow_id = _cart_flow(client, token, email_id)
        stored = _definition(site, flow_id)
        assert 'value="Checkout Started"' in client.get(f"/flows/{flow_id}/trigger").text
        fields = {
            "csrf_token": token,
            "type": "event",
            "exit": "Order Completed",
            "reentry_mode": "after_days",
            "reentry_days": "7",
        }
        blank = client.post(f"/flows/{flow_id}/trigger", data={**fields, "event": ""})
        assert blank.status_code == 422
        assert _error(blank.text, "event").startswith("must be an event name")
        days = client.post(
            f"/flows/{flow_id}/trigger",
            data={**fields, "event": "Cart Viewed", "reentry_days": "0"},
        )
        assert _error(days.text, "reentry_days").startswith("must be a number of days")
        no_segment = client.post(
            f"/flows/{flow_id}/trigger", data={**fields, "type": "segment_entered"}
        )
        assert _error(no_segment.text, "segment_id") == "choose a segment"
        assert _definition(site, flow_id) == stored
        saved = client.post(
            f"/flows/{flow_id}/trigger",
            data={**fields, "event": "Cart Viewed", "exit": "Order Completed, Cart Emptied"},
        )
        assert saved.status_code == 303
        document = _definition(site, flow_id)
        assert document["trigger"] == {"type": "event", "event": "Cart Viewed"}
        assert document["exit"] == [{"event": "Order Completed"}, {"event": "Cart Emptied"}]

        active = client.post(
            f"/flows/{flow_id}/status", data={"csrf_token": token, "status": "active"}
        )
        assert active.status_code == 303
        refused = client.post(
            f"/flows/{flow_id}/steps/wait",
            data={
                "csrf_token": token,
                "type": "delay",
                "id": "wait",
                "amount": "3",
                "next": "ordered?",
            },
        )
        assert refused.status_code == 409
        assert "Pause the flow before changing its steps" in refused.text
        assert _definition(site, flow_id) == document

    with site.logged_in(site.crm.viewer_email) as viewer:
        token = csrf_token(viewer)
        answer = viewer.post(f"/flows/{flow_id}/steps/wait/delete", data={"csrf_token": token})
        assert answer.status_code == 403
        forged = viewer.post(f"/flows/{flow_id}/trigger", data={"type": "event", "event": "X"})
        assert forged.status_code == 403
    assert _definition(site, flow_id) == document


def test_message_preview_for_a_chosen_person(site: Site) -> None:
    email_id, _ = _templates(site)
    with site.logged_in() as client:
        token = csrf_token(client)
        flow_id = _cart_flow(client, token, email_id)
        step = client.get(f"/flows/{flow_id}/steps/reminder").text
        assert 'id="preview-form"' in step
        assert "/people/choices" in step
        url = f"/flows/{flow_id}/steps/reminder/preview"
        nobody = client.get(url)
        assert nobody.status_code == 422
        assert _error(nobody.text, "person_id") == "choose a person to preview the message for"
        unknown = client.get(url, params={"person_id": "99999"})
        assert unknown.status_code == 422
        assert "no person 99999" in unknown.text
        not_a_message = client.get(
            f"/flows/{flow_id}/steps/wait/preview", params={"person_id": site.crm.ceo_id}
        )
        assert not_a_message.status_code == 422

        page = client.get(url, params={"person_id": site.crm.ceo_id})
        assert page.status_code == 200
        subject = re.search(r'id="preview-subject">([^<]*)<', page.text)
        assert subject is not None
        with site.database.transaction(write=False) as session:
            ceo = session.get(Person, site.crm.ceo_id)
            assert ceo is not None
            first_name = ceo.first_name
        assert subject.group(1) == f"{first_name}, your cart"
        frame = re.search(r'srcdoc="([^"]*)"', page.text)
        assert frame is not None
        assert f"Hi {first_name}, your cart is waiting." in frame.group(1)
        assert "Our bestsellers are back in stock." in frame.group(1)  # no purchases: fallback
        assert "&lt;p&gt;" in frame.group(1)  # the HTML is an attribute's text, escaped
        fragment = client.get(
            url, params={"person_id": site.crm.ceo_id}, headers={"HX-Request": "true"}
        )
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert 'id="preview-subject"' in fragment.text
    with site.logged_in(site.crm.viewer_email) as viewer:
        assert viewer.get(url, params={"person_id": site.crm.ceo_id}).status_code == 403
