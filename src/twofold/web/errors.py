"""Domain errors on web pages: a redirect to log in, or an error page with the message."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from twofold.core.errors import TwofoldError
from twofold.web.dependencies import is_htmx
from twofold.web.templating import render

TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    412: "Changed meanwhile",
    413: "Too large",
    422: "Invalid input",
}


def html_error_response(request: Request, error: TwofoldError) -> Response:
    """Send the browser to /login when it is not logged in; otherwise show what went wrong."""
    if error.status == 401:
        target = login_url(return_to(request))
        if is_htmx(request):
            # An HTMX fragment request would follow a plain redirect into its target element.
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    context = {
        "status": error.status,
        "title": TITLES.get(error.status, "Something went wrong"),
        "message": error.message[:1].upper() + error.message[1:],
        "details": error.details,
    }
    if is_htmx(request):
        # Show the message in the page's flash area rather than inside the element that asked.
        return render(
            request,
            "errors/flash.html",
            context,
            status_code=error.status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    return render(request, "errors/page.html", context, status_code=error.status)


def login_url(next_path: str) -> str:
    """``/login`` with the page to return to after logging in."""
    return "/login" if next_path in {"", "/"} else f"/login?{urlencode({'next': next_path})}"


def return_to(request: Request) -> str:
    """Where to come back after logging in: this page, or for a form post the page it was on."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    return referer.path or "/"
