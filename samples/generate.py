"""Build the sample corpus files (born-digital PDFs, degraded scans, manifest) from the letters.

The ``letters/<id>.txt`` files are the source of truth; everything else under ``samples/`` is
derived here so that a text fix is one edit plus one run:

    /work/main/.venv/bin/python samples/generate.py

Born-digital PDFs are laid out like a Nghị định 30 letter: issuer block top-left, national motto
top-right, type word and trích yếu centred, body, then "Nơi nhận" bottom-left and the signer
block bottom-right. Strings are drawn in the order they appear in the ``.txt`` file, so a reader
that follows the content stream (pdfplumber ``use_text_flow=True``) gets the text back in file
order even though the header is two columns.

Scans are rasterised from those PDFs at 300 DPI and degraded (red seal over the signature, blue
signature ink, skew, speckles, blur, JPEG artefacts), with the degradation drawn per document
from a seed derived from its id, so every run produces the same bytes.
"""

from __future__ import annotations

import io
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

SAMPLES = Path(__file__).resolve().parent
LETTERS = SAMPLES / "letters"
SCANS = SAMPLES / "scans"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "regular": "DejaVuSerif.ttf",
    "bold": "DejaVuSerif-Bold.ttf",
    "italic": "DejaVuSerif-Italic.ttf",
    "bolditalic": "DejaVuSerif-BoldItalic.ttf",
}
SEAL_FONT = FONT_DIR / "DejaVuSans-Bold.ttf"

PAGE_W, PAGE_H = A4
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 70.0, 45.0, 50.0, 60.0
LEFT_COL = (45.0, 255.0)
SUBJECT_W = 235.0
RIGHT_COL = (235.0, 575.0)
BODY_SIZE = 11.5
LEADING = 15.5
INDENT = 28.0
DPI = 300
PX_PER_PT = DPI / 72.0
MAX_SCAN_PAGE_BYTES = 560_000

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TYPE_WORDS = {
    "QUYẾT ĐỊNH", "KẾ HOẠCH", "THÔNG BÁO", "BÁO CÁO", "BIÊN BẢN", "TỜ TRÌNH", "QUY CHẾ",
    "HƯỚNG DẪN", "CHỈ THỊ", "GIẤY MỜI", "CHƯƠNG TRÌNH", "QUY ĐỊNH", "CÔNG ĐIỆN",
}
SIGN_PREFIX = re.compile(r"^(KT|TM|TL|TUQ|Q)\.\s")
NUMBERED = re.compile(r"^([IVXLC]+|\d+|[a-zđ])[.)]\s")

# Which sample gets which extra scan format (document ids chosen for their page count/look).
TIFF_IDS = {"kh-thcsha-25-nam-hoc-2026-2027"}
PHOTO_IDS = {"bb-bdd-cmhs-thcsha-hop-dau-nam"}


@dataclass(frozen=True)
class Letter:
    """A letter split into the parts that a Nghị định 30 layout places differently."""

    doc_id: str
    left: list[str]
    right: list[str]
    body: list[str]
    recipients_footer: list[str]
    signer_groups: list[list[str]]


@dataclass
class SignatureBox:
    """Where a signer's blank signature space is on a page, in points from the top-left."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    main: bool


@dataclass
class Rendered:
    """Layout facts the scan degradation needs after the PDF is written."""

    pages: int
    signatures: list[SignatureBox] = field(default_factory=list)


@dataclass(frozen=True)
class ScanStyle:
    """One document's degradation recipe, drawn from its seed."""

    angle: float
    blur: float
    speckles: int
    noise: float
    jpeg_quality: int
    grayscale: bool
    seal: bool


def is_upper_line(line: str) -> bool:
    """True when a line has letters and none of them is lower case (titles, authorities)."""
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def is_name_line(line: str) -> bool:
    """A signer's name: short, not upper case, no sentence punctuation ("Thượng tá Hứa Văn Cường")."""
    words = line.split()
    return (
        0 < len(words) <= 6
        and not is_upper_line(line)
        and not re.search(r"[.:;,/()\d]", line)
        and words[-1][0].isupper()
    )


def split_signer_groups(lines: list[str]) -> list[list[str]]:
    """Group signer lines: each group is its upper-case authority lines and the name after them."""
    groups: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        if not is_upper_line(line):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def trailing_signer_start(lines: list[str]) -> int:
    """Index where the signer groups begin when a letter has no "Nơi nhận" block."""
    idx = len(lines)
    while True:
        j = idx - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j < 0 or not is_name_line(lines[j]):
            return idx
        k = j - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k < 0 or not is_upper_line(lines[k]):
            return idx
        while k - 1 >= 0 and is_upper_line(lines[k - 1]):
            k -= 1
        idx = k


def parse_letter(doc_id: str, text: str) -> Letter:
    """Split a letter's text into header columns, body and closing, by its structure alone."""
    lines = text.split("\n")
    motto_at = lines.index(MOTTO)
    left = [ln for ln in lines[:motto_at] if ln.strip()]
    right = lines[motto_at : motto_at + 3]
    rest = lines[motto_at + 3 :]
    footer_at = next((i for i, ln in enumerate(rest) if ln.strip() == "Nơi nhận:"), None)
    if footer_at is not None:
        body = rest[:footer_at]
        closing = [ln for ln in rest[footer_at:] if ln.strip()]
        n_items = 1
        while n_items < len(closing) and closing[n_items].startswith("-"):
            n_items += 1
        footer, signer_lines = closing[:n_items], closing[n_items:]
    else:
        start = trailing_signer_start(rest)
        body, footer = rest[:start], []
        signer_lines = [ln for ln in rest[start:] if ln.strip()]
    return Letter(doc_id, left, right, body, footer, split_signer_groups(signer_lines))


class Writer:
    """Draws text top-down on a reportlab canvas, starting new pages as the cursor runs out."""

    def __init__(self, pdf: canvas.Canvas) -> None:
        self.pdf = pdf
        self.page = 1
        self.y = MARGIN_T

    def text(self, x: float, y: float, s: str, font: str, size: float) -> None:
        self.pdf.setFont(font, size)
        self.pdf.drawString(x, PAGE_H - y, s)

    def centred(self, cx: float, y: float, s: str, font: str, size: float) -> float:
        width = pdfmetrics.stringWidth(s, font, size)
        self.text(cx - width / 2, y, s, font, size)
        return width

    def rule(self, x0: float, x1: float, y: float, width: float = 0.6) -> None:
        self.pdf.setLineWidth(width)
        self.pdf.line(x0, PAGE_H - y, x1, PAGE_H - y)

    def ensure(self, height: float) -> None:
        """Start a new page (numbered at the top, as letters are) if `height` does not fit."""
        if self.y + height <= PAGE_H - MARGIN_B:
            return
        self.pdf.showPage()
        self.page += 1
        self.y = MARGIN_T
        self.centred(PAGE_W / 2, self.y, str(self.page), "regular", 10)
        self.y += 2 * LEADING


def fit_size(s: str, font: str, size: float, width: float) -> float:
    """The largest font size ≤ `size` at which `s` fits in `width` points."""
    while size > 7 and pdfmetrics.stringWidth(s, font, size) > width:
        size -= 0.25
    return size


def wrap(s: str, font: str, size: float, first_width: float, width: float) -> list[str]:
    """Greedy word wrap, the first line narrower to leave room for the paragraph indent."""
    out: list[str] = []
    current = ""
    for word in s.split(" "):
        trial = f"{current} {word}" if current else word
        limit = first_width if not out else width
        if current and pdfmetrics.stringWidth(trial, font, size) > limit:
            out.append(current)
            current = word
        else:
            current = trial
    out.append(current)
    return out


def draw_header(w: Writer, letter: Letter) -> None:
    """Issuer block (left) then motto, tiêu ngữ and place-date (right), in file order."""
    l_cx, l_w = sum(LEFT_COL) / 2, LEFT_COL[1] - LEFT_COL[0]
    r_cx, r_w = sum(RIGHT_COL) / 2, RIGHT_COL[1] - RIGHT_COL[0]
    number_at = next((i for i, ln in enumerate(letter.left) if ln.startswith("Số:")), len(letter.left))
    issuer_lines, rest = letter.left[:number_at], letter.left[number_at:]
    y = MARGIN_T
    for i, line in enumerate(issuer_lines):
        font = "bold" if i == len(issuer_lines) - 1 or len(issuer_lines) == 1 else "regular"
        size = fit_size(line, font, 11.5, l_w)
        width = w.centred(l_cx, y, line, font, size)
        y += LEADING
    w.rule(l_cx - width / 4, l_cx + width / 4, y - LEADING + 6)
    y += 6
    number_y = y
    for i, line in enumerate(rest):
        if i == 0:
            w.centred(l_cx, y, line, "regular", fit_size(line, "regular", 11.5, l_w))
            y += LEADING
            continue
        for part in wrap(line, "regular", 10.0, SUBJECT_W, SUBJECT_W):
            w.centred(l_cx, y, part, "regular", 10.0)
            y += 12.5
    left_bottom = y
    motto, tieu_ngu, place_date = letter.right
    ry = MARGIN_T
    w.centred(r_cx, ry, motto, "bold", fit_size(motto, "bold", 11.5, r_w))
    ry += LEADING
    width = w.centred(r_cx, ry, tieu_ngu, "bold", 12.5)
    w.rule(r_cx - width / 2, r_cx + width / 2, ry + 4)
    w.centred(r_cx, number_y, place_date, "italic", fit_size(place_date, "italic", 11.5, r_w))
    w.y = max(left_bottom, number_y + LEADING) + 14


def draw_paragraph(w: Writer, line: str, font: str = "regular", indent: float = INDENT) -> None:
    text_w = PAGE_W - MARGIN_L - MARGIN_R
    for i, part in enumerate(wrap(line, font, BODY_SIZE, text_w - indent, text_w)):
        w.ensure(LEADING)
        w.text(MARGIN_L + (indent if i == 0 else 0), w.y, part, font, BODY_SIZE)
        w.y += LEADING


def draw_table(w: Writer, rows: list[list[str]]) -> None:
    """A bordered grid; cells are drawn row by row, left to right, so text flow keeps the order."""
    n_cols = max(len(r) for r in rows)
    rows = [r + [""] * (n_cols - len(r)) for r in rows]
    size = 10.0
    natural = [max(pdfmetrics.stringWidth(r[c], "regular", size) for r in rows) + 10 for c in range(n_cols)]
    avail = PAGE_W - MARGIN_L - MARGIN_R
    widths = [n * avail / sum(natural) for n in natural] if sum(natural) > avail else natural
    x_start = MARGIN_L + (avail - sum(widths)) / 2
    row_h = 16.0
    for r_i, row in enumerate(rows):
        w.ensure(row_h)
        font = "bold" if r_i == 0 or row[0].lower().startswith(("cộng", "tổng", "toàn")) else "regular"
        top = w.y - 11
        x = x_start
        for c_i, cell in enumerate(row):
            cell_size = fit_size(cell, font, size, widths[c_i] - 6)
            if c_i == 0 or not re.fullmatch(r"[\d.,]+", cell):
                w.text(x + 3, w.y, cell, font, cell_size)
            else:
                w.centred(x + widths[c_i] / 2, w.y, cell, font, cell_size)
            x += widths[c_i]
        bottom = top + row_h
        w.pdf.setLineWidth(0.5)
        w.pdf.rect(x_start, PAGE_H - bottom, sum(widths), row_h)
        x = x_start
        for width in widths[:-1]:
            x += width
            w.pdf.line(x, PAGE_H - top, x, PAGE_H - bottom)
        w.y += row_h
    w.y += 4


def draw_body(w: Writer, body: list[str]) -> None:
    """Type word and trích yếu centred, Kính gửi lists indented, tables gridded, the rest wrapped."""
    i = 0
    first = True
    while i < len(body):
        line = body[i]
        if not line.strip():
            w.y += 5
            i += 1
            continue
        if first and line in TYPE_WORDS:
            w.ensure(3 * LEADING)
            w.centred(PAGE_W / 2, w.y, line, "bold", 14)
            w.y += LEADING + 2
            i += 1
            while i < len(body) and body[i].strip():
                w.ensure(LEADING)
                w.centred(PAGE_W / 2, w.y, body[i], "bold", fit_size(body[i], "bold", 12, PAGE_W - 2 * MARGIN_L))
                w.y += LEADING
                i += 1
            w.y += 3
            w.rule(PAGE_W / 2 - 50, PAGE_W / 2 + 50, w.y - 8)
            w.y += 6
            first = False
            continue
        first = False
        if line.startswith("Kính gửi:"):
            x = MARGIN_L + 60
            w.ensure(LEADING)
            if line.strip() == "Kính gửi:":
                w.text(x, w.y, line, "regular", BODY_SIZE)
                w.y += LEADING
                i += 1
                while i < len(body) and body[i].startswith("-"):
                    for part in wrap(body[i], "regular", BODY_SIZE, 330, 330):
                        w.ensure(LEADING)
                        w.text(x + 65, w.y, part, "regular", BODY_SIZE)
                        w.y += LEADING
                    i += 1
            else:
                draw_paragraph(w, line, indent=60)
                i += 1
            w.y += 4
            continue
        if "\t" in line:
            rows = []
            while i < len(body) and "\t" in body[i]:
                rows.append(body[i].split("\t"))
                i += 1
            draw_table(w, rows)
            continue
        if is_upper_line(line) and not NUMBERED.match(line):
            w.ensure(LEADING)
            w.centred(PAGE_W / 2, w.y, line, "bold", fit_size(line, "bold", BODY_SIZE, PAGE_W - 2 * MARGIN_L))
            w.y += LEADING
        elif is_upper_line(line.split(":")[0]) and len(line) < 90:
            draw_paragraph(w, line, font="bold", indent=0 if NUMBERED.match(line) else INDENT)
        else:
            draw_paragraph(w, line)
        i += 1


def signer_block_height(group: list[str]) -> float:
    return (len(group) - 1) * LEADING + 70 + LEADING


def draw_signer(w: Writer, group: list[str], cx: float, y: float, main: bool) -> SignatureBox:
    """Authority lines, a blank for the wet signature, then the name; returns the blank's box."""
    for line in group[:-1]:
        w.centred(cx, y, line, "bold", fit_size(line, "bold", 11.5, 230))
        y += LEADING
    box = SignatureBox(w.page, cx - 85, y - 6, cx + 85, y + 58, main)
    y += 70
    w.centred(cx, y, group[-1], "bold", 11.5)
    return box


def draw_closing(w: Writer, letter: Letter) -> list[SignatureBox]:
    """Nơi nhận bottom-left and signer(s) bottom-right; two signers without Nơi nhận go side by side."""
    footer_h = len(letter.recipients_footer) * 13.0
    signer_h = max((signer_block_height(g) for g in letter.signer_groups), default=0)
    w.y += 10
    w.ensure(max(footer_h, signer_h) + 10)
    top = w.y
    boxes: list[SignatureBox] = []
    left_cx, right_cx = 170.0, 420.0
    if letter.recipients_footer:
        w.text(MARGIN_L - 10, top, letter.recipients_footer[0], "bolditalic", 10.5)
        for k, item in enumerate(letter.recipients_footer[1:], start=1):
            w.text(MARGIN_L - 10, top + 13 * k, item, "regular", 9.5)
    groups = letter.signer_groups
    if len(groups) == 1:
        boxes.append(draw_signer(w, groups[0], right_cx, top, main=True))
    elif len(groups) == 2:
        boxes.append(draw_signer(w, groups[0], left_cx, top, main=False))
        boxes.append(draw_signer(w, groups[1], right_cx, top, main=True))
    w.y = top + max(footer_h, signer_h)
    return boxes


def render_pdf(letter: Letter, out: Path) -> Rendered:
    """Write the born-digital A4 PDF of one letter (fonts embedded, deterministic bytes)."""
    pdf = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    pdf.setTitle(letter.doc_id)
    w = Writer(pdf)
    draw_header(w, letter)
    draw_body(w, letter.body)
    boxes = draw_closing(w, letter)
    pdf.showPage()
    pdf.save()
    return Rendered(pages=w.page, signatures=boxes)


def register_fonts() -> None:
    for name, file in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def style_for(doc_id: str) -> ScanStyle:
    """Degradations vary per document but are fixed for a given id."""
    rng = np.random.default_rng(zlib.crc32(doc_id.encode()))
    return ScanStyle(
        angle=float(rng.choice([-1, 1]) * rng.uniform(0.5, 2.5)),
        blur=float(rng.uniform(0.3, 1.1)),
        speckles=int(rng.integers(150, 1500)),
        noise=float(rng.uniform(2.0, 9.0)),
        jpeg_quality=int(rng.integers(30, 60)),
        grayscale=bool(rng.random() < 0.25),
        seal=True,
    )


def rasterise(pdf_path: Path) -> list[Image.Image]:
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return [doc[i].render(scale=PX_PER_PT).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()


def seal_image(issuer: str, diameter: int, rng: np.random.Generator) -> Image.Image:
    """A red round seal: two rings, the issuer's name around the edge, a star in the middle."""
    size = diameter + 20
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ink = (200 + int(rng.integers(0, 40)), 20, 30, 255)
    c, r = size / 2, diameter / 2
    draw.ellipse([c - r, c - r, c + r, c + r], outline=ink, width=9)
    draw.ellipse([c - r + 22, c - r + 22, c + r - 22, c + r - 22], outline=ink, width=4)
    star = [
        (c + (38 if k % 2 == 0 else 15) * math.sin(k * math.pi / 5), c - (38 if k % 2 == 0 else 15) * math.cos(k * math.pi / 5))
        for k in range(10)
    ]
    draw.polygon(star, fill=ink)
    font = ImageFont.truetype(str(SEAL_FONT), 30)
    label = f"★ {issuer.upper()} ★"
    ring = r - 45
    for k, ch in enumerate(label):
        angle = -math.pi * 0.95 + k * (1.9 * math.pi / max(len(label) - 1, 1))
        glyph = Image.new("RGBA", (44, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((22, 22), ch, font=font, fill=ink, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        gx = c + ring * math.sin(angle) - 22
        gy = c - ring * math.cos(angle) - 22
        img.alpha_composite(glyph, (int(gx), int(gy)))
    alpha = np.asarray(img)[:, :, 3].astype(np.float32)
    patchy = rng.uniform(0.55, 1.0, size=alpha.shape)
    img.putalpha(Image.fromarray((alpha * patchy * 0.85).astype(np.uint8)))
    return img


def scribble(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], rng: np.random.Generator) -> None:
    """Blue-ink signature: a looping stroke across the signature blank."""
    x0, y0, x1, y1 = box
    ink = (25, 45, 150 + int(rng.integers(0, 60)))
    t = np.linspace(0, 1, 220)
    loops = rng.uniform(3, 6)
    xs = x0 + (x1 - x0) * (0.1 + 0.8 * t) + 25 * np.sin(2 * np.pi * loops * t)
    ys = (y0 + y1) / 2 + (y1 - y0) * 0.3 * np.sin(2 * np.pi * (loops * 0.7) * t + rng.uniform(0, 3)) - 20 * t
    width = int(rng.integers(3, 6))
    draw.line(list(zip(xs.tolist(), ys.tolist())), fill=ink, width=width, joint="curve")
    draw.line([(x0 + 0.2 * (x1 - x0), y1 - 10), (x1 - 0.1 * (x1 - x0), y1 - 25)], fill=ink, width=width)


def stamp_page(page: Image.Image, boxes: list[SignatureBox], issuer: str, rng: np.random.Generator) -> Image.Image:
    """Sign every signer blank in blue and press the seal over the main signature's left half."""
    page = page.convert("RGBA")
    draw = ImageDraw.Draw(page)
    for box in boxes:
        scribble(draw, tuple(v * PX_PER_PT for v in (box.x0, box.y0, box.x1, box.y1)), rng)
    for box in boxes:
        if box.main:
            seal = seal_image(issuer, 440, rng).rotate(float(rng.uniform(-25, 25)), resample=Image.BICUBIC)
            cx = (box.x0 - 15) * PX_PER_PT
            cy = (box.y0 + box.y1) / 2 * PX_PER_PT
            page.alpha_composite(seal, (int(cx - seal.width / 2), int(cy - seal.height / 2)))
    return page.convert("RGB")


def degrade(page: Image.Image, style: ScanStyle, rng: np.random.Generator) -> Image.Image:
    """Skew, blur, speckles, sensor noise and one lossy JPEG round trip."""
    arr = np.asarray(page).astype(np.float32)
    arr = arr * rng.uniform(0.93, 1.0) + rng.uniform(0, 8)
    arr += rng.normal(0, style.noise, size=arr.shape[:2])[:, :, None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    img = img.rotate(style.angle, resample=Image.BICUBIC, fillcolor=(250, 250, 247))
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(style.speckles):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(1, 4))
        shade = int(rng.integers(20, 120))
        draw.ellipse([x, y, x + r, y + r], fill=(shade, shade, shade))
    img = img.filter(ImageFilter.GaussianBlur(style.blur))
    if style.grayscale:
        img = img.convert("L")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(rng.integers(25, 45)))
    return Image.open(io.BytesIO(buf.getvalue())).convert(img.mode)


def jpeg_bytes(img: Image.Image, quality: int) -> bytes:
    """Encode a page, lowering quality until it fits the per-page size budget."""
    while True:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, dpi=(DPI, DPI), optimize=True)
        if buf.tell() <= MAX_SCAN_PAGE_BYTES or quality <= 15:
            return buf.getvalue()
        quality -= 5


def write_scan_pdf(pages: list[bytes], out: Path) -> None:
    """An image-only A4 PDF, one JPEG per page at 300 DPI, no text layer."""
    pdf = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    for data in pages:
        pdf.drawImage(ImageReader(io.BytesIO(data)), 0, 0, width=PAGE_W, height=PAGE_H)
        pdf.showPage()
    pdf.save()


def phone_photo(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A page photographed on a desk: perspective, uneven light, warm cast, soft focus."""
    w, h = page.size
    canvas_w, canvas_h = int(w * 1.12), int(h * 1.08)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    corners = np.float32([[0.06, 0.04], [0.95, 0.03], [0.97, 0.97], [0.03, 0.95]])
    corners += rng.uniform(-0.03, 0.03, size=corners.shape).astype(np.float32)
    dst = (corners * np.float32([canvas_w, canvas_h])).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(np.asarray(page), matrix, (canvas_w, canvas_h), borderValue=(92, 74, 58))
    yy, xx = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    light = 0.78 + 0.28 * np.exp(-(((xx - canvas_w * 0.35) / canvas_w) ** 2 + ((yy - canvas_h * 0.3) / canvas_h) ** 2) * 2.2)
    warm = np.array([1.0, 0.96, 0.86], dtype=np.float32)
    out = np.clip(warped.astype(np.float32) * light[:, :, None] * warm, 0, 255).astype(np.uint8)
    out = cv2.GaussianBlur(out, (0, 0), 1.4)
    return Image.fromarray(out).resize((int(canvas_w * 0.8), int(canvas_h * 0.8)), Image.LANCZOS)


def build_scans(doc_id: str, issuer: str, pdf_path: Path, rendered: Rendered) -> dict[str, str]:
    """All scan files of one document; returns manifest file entries."""
    style = style_for(doc_id)
    rng = np.random.default_rng(zlib.crc32(doc_id.encode()) + 1)
    pages = rasterise(pdf_path)
    degraded = []
    for number, page in enumerate(pages, start=1):
        boxes = [b for b in rendered.signatures if b.page == number]
        degraded.append(degrade(stamp_page(page, boxes, issuer, rng), style, rng))
    files: dict[str, str] = {}
    scan_pdf = SCANS / f"{doc_id}.pdf"
    write_scan_pdf([jpeg_bytes(p, style.jpeg_quality + 20) for p in degraded], scan_pdf)
    files["scan_pdf"] = scan_pdf.relative_to(SAMPLES).as_posix()
    if doc_id in TIFF_IDS:
        tif = SCANS / f"{doc_id}.tif"
        bilevel = [p.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1") for p in degraded]
        bilevel[0].save(tif, save_all=True, append_images=bilevel[1:], compression="group4", dpi=(DPI, DPI))
        files["scan_tif"] = tif.relative_to(SAMPLES).as_posix()
    if doc_id in PHOTO_IDS:
        jpg = SCANS / f"{doc_id}.jpg"
        photo = phone_photo(stamp_page(pages[0], [b for b in rendered.signatures if b.page == 1], issuer, rng), rng)
        jpg.write_bytes(jpeg_bytes(photo, 70))
        files["scan_jpg"] = jpg.relative_to(SAMPLES).as_posix()
    return files


def seal_name(sidecar: dict) -> str:
    """The body named on the seal: the issuer, or its parent for sub-bodies without their own seal."""
    issuer = sidecar["issuer"]
    if issuer.startswith(("Hội đồng", "Tổ ", "Ban ")) and sidecar["issuer_parent"]:
        return sidecar["issuer_parent"]
    return issuer


def main() -> None:
    rl_config.useA85 = 0  # embed scan JPEGs as raw DCT streams, not 25% larger ASCII85 text
    register_fonts()
    SCANS.mkdir(exist_ok=True)
    manifest = []
    for txt in sorted(LETTERS.glob("*.txt")):
        doc_id = txt.stem
        sidecar = json.loads((LETTERS / f"{doc_id}.json").read_text(encoding="utf-8"))
        letter = parse_letter(doc_id, txt.read_text(encoding="utf-8"))
        pdf_path = LETTERS / f"{doc_id}.pdf"
        rendered = render_pdf(letter, pdf_path)
        files = {
            "text": txt.relative_to(SAMPLES).as_posix(),
            "sidecar": f"letters/{doc_id}.json",
            "pdf": pdf_path.relative_to(SAMPLES).as_posix(),
        }
        if sidecar["scan"]:
            files |= build_scans(doc_id, seal_name(sidecar), pdf_path, rendered)
        manifest.append({
            "id": doc_id,
            "role": sidecar["role"],
            "doc_type": sidecar["doc_type"],
            "scan": sidecar["scan"],
            "pages": rendered.pages,
            "files": files,
        })
        print(f"{doc_id}: {rendered.pages} page(s){' + scans' if sidecar['scan'] else ''}")
    (SAMPLES / "manifest.json").write_text(
        json.dumps({"samples": manifest}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
