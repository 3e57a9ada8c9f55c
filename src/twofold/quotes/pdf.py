"""A quote as a PDF, drawn with fpdf2 (pure Python; decision 0019).

The built-in Helvetica covers Latin-1 only, so other characters are folded to their base
letter where there is one and printed as ``?`` otherwise; the HTML page prints everything.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF

from twofold.core.money import format_amount
from twofold.store.models import Quote, QuoteLine

PAGE_MARGIN = 15
COLUMNS = (
    ("SKU", 28),
    ("Product", 62),
    ("Qty", 16),
    ("Unit price", 26),
    ("Disc. %", 16),
    ("Total", 32),
)


@dataclass(frozen=True)
class QuoteDocument:
    """What the PDF shows: the quote, its lines, and the names around it."""

    quote: Quote
    lines: list[QuoteLine]
    deal_name: str
    seller: str


def latin1(text: str) -> str:
    """``text`` in what Helvetica can print: accents folded, other characters as ``?``."""
    if text.isascii():
        return text
    folded = []
    for char in text:
        if ord(char) < 256:
            folded.append(char)
            continue
        base = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        folded.append(base if base and all(ord(part) < 256 for part in base) else "?")
    return "".join(folded)


def render_quote_pdf(document: QuoteDocument) -> bytes:
    """The quote's PDF: header, recipient, lines, totals, terms."""
    quote = document.quote
    pdf = FPDF(format="A4")
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_auto_page_break(auto=True, margin=PAGE_MARGIN)
    pdf.set_title(f"Quote {quote.number}")
    pdf.set_creator("Twofold")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=18)
    pdf.cell(0, 10, latin1(f"Quote {quote.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    recipient = str(quote.recipient.get("name") or "")
    for text in (
        f"From: {document.seller}",
        f"To: {recipient}" if recipient else "",
        f"Deal: {document.deal_name}",
        f"Date: {quote.created_at.date().isoformat()}    Valid until: {quote.valid_until}",
        f"Status: {quote.status.replace('_', ' ')}    Currency: {quote.currency}",
    ):
        if text:
            pdf.cell(0, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _lines_table(pdf, document)
    _totals(pdf, quote)
    if quote.terms:
        pdf.ln(6)
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(0, 6, "Terms", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, latin1(quote.terms))
    return bytes(pdf.output())


def _lines_table(pdf: FPDF, document: QuoteDocument) -> None:
    currency = document.quote.currency
    pdf.set_font("Helvetica", style="B", size=9)
    for title, width in COLUMNS:
        pdf.cell(width, 7, title, border="B", align="L" if width > 20 else "R")
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for line in document.lines:
        cells = (
            line.sku,
            line.name,
            _plain(line.quantity),
            format_amount(line.unit_price, currency),
            _plain(line.discount_percent),
            format_amount(line.line_total, currency),
        )
        for (title, width), text in zip(COLUMNS, cells, strict=True):
            align = "L" if title in {"SKU", "Product"} else "R"
            pdf.cell(width, 6, latin1(text)[: width // 2 + 4], align=align)
        pdf.ln()
        for component in line.components:
            pdf.set_font("Helvetica", style="I", size=8)
            pdf.cell(COLUMNS[0][1], 5, "")
            pdf.cell(0, 5, latin1(f"incl. {component['quantity']} x {component['name']}"))
            pdf.ln()
            pdf.set_font("Helvetica", size=9)


def _totals(pdf: FPDF, quote: Quote) -> None:
    currency = quote.currency
    rows = [("Subtotal", quote.subtotal)]
    if quote.discount_amount:
        rows.append((f"Discount {_plain(quote.discount_percent)} %", -quote.discount_amount))
    rows.append(("Net", quote.net_total))
    if quote.tax_percent:
        rows.append((f"Tax {_plain(quote.tax_percent)} %", quote.tax_amount))
    pdf.ln(3)
    label_width = sum(width for _, width in COLUMNS[:-1])
    for label, amount in rows:
        pdf.cell(label_width, 6, label, align="R")
        pdf.cell(COLUMNS[-1][1], 6, format_amount(amount, currency), align="R")
        pdf.ln()
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(label_width, 8, f"Total {currency}", align="R", border="T")
    pdf.cell(COLUMNS[-1][1], 8, format_amount(quote.total, currency), align="R", border="T")
    pdf.ln()


def _plain(number: Decimal) -> str:
    """A quantity or percentage without trailing zeros (2, 1.5, 12.5)."""
    return format(number.normalize(), "f")
