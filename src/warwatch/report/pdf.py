"""The report as a PDF, drawn by fpdf2 (pure Python, installed with warwatch): text, tables, and the
map and chart as vector drawings converted from their SVG.

A PDF is printed and forwarded, so a figure cannot link to a web page: each figure carries the
number of its note, and the notes at the end name the events it counts by id; the ids are those
of the tables and of the dashboard (``--base-url`` makes them links there as well).
"""

from __future__ import annotations

import io
from pathlib import Path

from warwatch.errors import RendererMissing
from warwatch.report import layout as lay
from warwatch.report.figures import pdf_text
from warwatch.report.layout import Layout
from warwatch.report.summary import PHRASES, Fig

#: a Unicode font where the system has one (place names keep their accents and quotes); else the
#: PDF core font Helvetica, with text reduced to what it can show
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
#: a table row must fit on one page: long lists in a cell are cut, and say how many more there are
#: (the event lists at the end, and the HTML and Markdown reports, have them all)
CELL_IDS = 60
CELL_SOURCES = 8
#: a note names at most this many ids: past it a printed list helps no one (the HTML has them all)
NOTE_IDS = 300
INK = (29, 29, 31)
MUTED = (91, 91, 102)
ACCENT = (11, 92, 173)
WARN = (154, 52, 18)
RULE = (213, 213, 220)


def _fpdf():  # type: ignore[no-untyped-def]
    try:
        from fpdf import FPDF
    except ImportError:  # installed with warwatch; missing only from a damaged environment
        raise RendererMissing("the PDF report needs fpdf2: pip install 'fpdf2==2.8.9'") from None
    return FPDF


class _Doc:
    """An A4 page flow with the report's fonts and a few typographic helpers."""

    def __init__(self, title: str) -> None:
        FPDF = _fpdf()
        self.pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_margins(14, 14, 14)
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.set_title(title)
        self.pdf.set_creator("warwatch")
        self.unicode = self._fonts()
        self.pdf.alias_nb_pages()
        self.title = title

    def _fonts(self) -> bool:
        for folder in _FONT_DIRS:
            regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
            oblique = Path(folder, "DejaVuSans-Oblique.ttf")
            if regular.is_file() and bold.is_file():
                self.pdf.add_font("Body", "", str(regular))
                self.pdf.add_font("Body", "B", str(bold))
                self.pdf.add_font("Body", "I", str(oblique if oblique.is_file() else regular))
                self.family = "Body"
                return True
        self.family = "Helvetica"
        return False

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        return pdf_text(value)  # the same reduction the pictures' labels get

    def font(self, size: float, style: str = "", colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(self.family, style, size)
        self.pdf.set_text_color(*colour)

    def heading(self, words: str, keep: float = 20) -> None:
        """A section heading, on a new page unless ``keep`` mm of what follows fit under it."""
        if self.pdf.get_y() + 12 + keep > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.ln(3)
        self.font(12.5, "B")
        self.pdf.cell(0, 7, self.text(words), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_draw_color(*RULE)
        y = self.pdf.get_y()
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(1.5)

    def para(self, words: str, size: float = 9.5, style: str = "", colour: tuple[int, int, int] = INK) -> None:
        self.font(size, style, colour)
        self.pdf.multi_cell(0, size * 0.5, self.text(words), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(0.8)

    def svg(self, svg: str, height_share: float) -> tuple[int, float, float, float, float]:
        """A picture across the text width, on a new page when it would not fit; where it went
        (page, x, y, width, height in mm)."""
        width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin
        height = width * height_share
        if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.image(io.BytesIO(svg.encode("utf-8")), x=self.pdf.l_margin, y=self.pdf.get_y(), w=width)
        box = (self.pdf.page, self.pdf.l_margin, self.pdf.get_y(), width, height)
        self.pdf.set_y(self.pdf.get_y() + height + 1)
        return box

    def table(self, head: list[str], rows: list[list[str]], widths: tuple[float, ...], size: float = 7.5,
              links: list[list[str | None]] | None = None) -> None:
        self.font(size)
        self.pdf.set_draw_color(*RULE)
        with self.pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.5, padding=0.8,
                            headings_style=_heading_style(self.family, size), borders_layout="HORIZONTAL_LINES",
                            first_row_as_headings=True) as table:
            row = table.row()
            for cell in head:
                row.cell(self.text(cell))
            for i, values in enumerate(rows):
                row = table.row()
                for j, cell in enumerate(values):
                    link = links[i][j] if links else None
                    row.cell(self.text(cell), link=link or "")
        self.pdf.ln(1)


def _sentence(doc: _Doc, runs: list, notes: dict[int, int]) -> None:
    """A summary sentence: figures bold and linked to their notes, each with its note's number raised.

    A figure, its note mark and the word stuck to it ("(15") stay on one line: the break comes before
    them, never between."""
    pdf = doc.pdf
    doc.font(10.5)
    for i, run in enumerate(runs):
        if not isinstance(run, Fig):
            text = doc.text(run)
            if i + 1 < len(runs) and isinstance(runs[i + 1], Fig):
                continue  # written with the figure that follows
            pdf.write(5.2, text)
            continue
        before = doc.text(runs[i - 1]) if i and not isinstance(runs[i - 1], Fig) else ""
        head, space, glued = before.rpartition(" ")
        head += space
        mark = f"[{run.ref.n}]"
        doc.font(10.5)
        pdf.write(5.2, head)
        needed = pdf.get_string_width(glued)
        doc.font(10.5, "B", ACCENT)
        needed += pdf.get_string_width(doc.text(run.text)) + pdf.get_string_width(mark) * 0.62 + 2 * pdf.c_margin + 1
        if pdf.get_x() + needed > pdf.w - pdf.r_margin:
            pdf.ln(5.2)
        doc.font(10.5)
        pdf.write(5.2, glued)
        doc.font(10.5, "B", ACCENT)
        pdf.write(5.2, doc.text(run.text), link=notes[run.ref.n])
        doc.font(6.5, "", ACCENT)
        pdf.char_vpos = "SUP"
        pdf.write(5.2, mark, link=notes[run.ref.n])
        pdf.char_vpos = "LINE"
        doc.font(10.5)
    pdf.ln(7)


def _some(items: list[str], most: int, sep: str = ", ") -> str:
    if len(items) <= most:
        return sep.join(items)
    return sep.join(items[:most]) + f"{sep}… and {len(items) - most} more"


def _heading_style(family: str, size: float):  # type: ignore[no-untyped-def]
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD", size_pt=size, fill_color=(241, 241, 244))


def render_pdf(layout: Layout, *, base_url: str | None = None,
               placed: dict[str, tuple[int, float, float, float, float]] | None = None) -> bytes:
    """The report as PDF bytes. ``placed``, when given, is told where the pictures went: "map" and
    "chart" to (page, x, y, width, height) in mm from the top left of an A4 page."""
    placed = {} if placed is None else placed
    r = layout.report
    doc = _Doc(layout.title)
    pdf = doc.pdf

    def event_link(event_id: str) -> str | None:
        return lay.dashboard_url(base_url or None, event_id)

    pdf.add_page()
    doc.font(18, "B")
    pdf.multi_cell(0, 8, doc.text(layout.title), new_x="LMARGIN", new_y="NEXT")
    doc.para(f"{layout.subtitle} · made {lay.generated_text(r)} by warwatch from {len(r.articles)} news "
             f"{'article' if len(r.articles) == 1 else 'articles'}", 9, colour=MUTED)
    doc.heading("Summary")
    notes = {ref.n: pdf.add_link() for ref in layout.book.refs}
    for sentence in layout.summary:
        _sentence(doc, sentence, notes)
    if r.events:
        width = pdf.w - pdf.l_margin - pdf.r_margin
        doc.heading("Where", keep=width * 420 / 680)
        placed["map"] = doc.svg(layout.map_svg(for_pdf=True), 420 / 680)
        doc.para(layout.map_caption(), 7.5, colour=MUTED)
        doc.heading("When", keep=width * 220 / 680)
        placed["chart"] = doc.svg(layout.chart_svg(for_pdf=True), 220 / 680)
        doc.para(layout.chart_caption(), 7.5, colour=MUTED)
        doc.heading("Key incidents")
        rows, links = [], []
        for incident in layout.incidents:
            e = incident.event
            sources = _some([a.source + (f", {a.published.isoformat()}" if a.published else "")
                             + (" (copy)" if a.is_copy else "") for a in e.articles], CELL_SOURCES, "; ")
            rows.append([f"{e.event_id}\n{', '.join(incident.why)}".strip(), *lay.event_cells(e), sources])
            first_url = next((a.url for a in e.articles if a.url), None)
            links.append([event_link(e.event_id), None, None, None, None, None, None, first_url])
        doc.table(["Event", *lay.EVENT_COLUMNS, "Sources"], rows,
                  (20, 17, 25, 22, 33, 12, 18, 35), links=links)
    doc.heading("What is uncertain")
    doubts = layout.uncertain()
    if doubts:
        doc.table(["Kind", "Events", "What it means", "Event ids"],
                  [[kind, str(len(rows_)), meaning, _some([e.event_id for e in rows_], CELL_IDS)]
                   for kind, rows_, meaning in doubts], (28, 12, 62, 80))
    else:
        doc.para("Nothing in this period is contested, single-sourced, undated or unlocated.")
    for c in layout.contested:
        quotes = "".join(f" “{words}” ({a.source})" for a, words in c.denials)
        doc.para(f"{c.event.event_id} ({lay.place_text(c.event)}, {lay.date_text(c.event)}): "
                 f"{'; '.join(c.reasons)}.{quotes}",
                 8.5, colour=WARN if c.denials else INK)
    doc.heading("Sources and method")
    doc.para(f"{len(r.articles)} articles from {len(r.outlets)} outlets report the events of the period; "
             f"{len(r.copies)} were recognised as copies of another article and do not count as independent.")
    if r.outlets:
        rows, links = [], []
        for name, n, copies, events, items in layout.outlet_rows():
            rows.append([name, str(n), str(copies), str(events),
                         _some([(a.title or a.url or a.source) + (f" ({a.published.isoformat()})" if a.published
                                                                   else "") for a in items], CELL_SOURCES, "\n")])
            links.append([None, None, None, None, next((a.url for a in items if a.url), None)])
        doc.table(["Outlet", "Articles", "Copies", "Events", "Articles"], rows, (34, 14, 13, 13, 108), links=links)
    for line in PHRASES["method"]["text"]:
        doc.para(line, 8, colour=MUTED)
    room = lay.PDF_EVENT_ROWS
    for heading, rows, _ in layout.event_lists():
        listed, room = rows[:room], max(0, room - len(rows))
        doc.heading(heading)
        doc.table(["Event", *lay.EVENT_COLUMNS], [[e.event_id, *lay.event_cells(e)] for e in listed],
                  (18, 18, 34, 30, 48, 14, 20),
                  links=[[event_link(e.event_id), None, None, None, None, None, None] for e in listed])
        if len(listed) < len(rows):
            doc.para(f"… and {len(rows) - len(listed)} more: the HTML and Markdown reports and `warwatch export` "
                     "list them all.", 8, colour=MUTED)
    if layout.book.refs:
        doc.heading("Figures and the events they count")
        for ref in layout.book.refs:
            pdf.set_link(notes[ref.n], page=pdf.page, y=pdf.get_y())
            doc.para(f"[{ref.n}] {ref.label}: {_some(list(ref.event_ids), NOTE_IDS)}", 7.5)
    return bytes(pdf.output())
