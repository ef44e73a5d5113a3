"""Test pages for the ingestion tests and OCR benchmark: Vietnamese letters rendered at 300 DPI.

Each page is drawn with PIL in DejaVu Serif (it covers stacked Vietnamese diacritics; Liberation
Serif does not) with the two-column header of an official letter, a body, and a signature band;
then optionally a red seal over the signature, blue signature ink, skew, noise and JPEG
artefacts. The ground truth is the text in reading order (left header column, right column,
body). The sentences are written for this project.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SERIF_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
DPI = 300
A4 = (2480, 3508)

ISSUERS = [
    ("UBND HUYỆN THANH BÌNH", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "TRƯỜNG THPT NGUYỄN TRÃI"),
    ("UBND XÃ HÒA AN", "TRƯỜNG MẦM NON HOA SEN"),
    ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "TRƯỜNG THCS LÊ QUÝ ĐÔN"),
]

SENTENCES = [
    "Căn cứ kế hoạch năm học đã được phê duyệt, nhà trường tổ chức tự đánh giá chất lượng giáo dục.",
    "Hội đồng tự đánh giá gồm hiệu trưởng, các phó hiệu trưởng, tổ trưởng chuyên môn và đại diện cha mẹ học sinh.",
    "Các tổ chuyên môn rà soát minh chứng theo từng tiêu chí, ghi rõ mã minh chứng và nơi lưu trữ.",
    "Báo cáo tự đánh giá phải hoàn thành trước ngày 15 tháng 5 năm 2025 và gửi về phòng qua hệ thống điện tử.",
    "Mỗi trường cử 02 cán bộ quản lý và 03 giáo viên cốt cán tham dự lớp tập huấn tại hội trường của phòng.",
    "Thời gian tập huấn từ 7 giờ 30 phút, thứ Năm, ngày 20 tháng 3 năm 2025; học viên mang theo máy tính xách tay.",
    "Kinh phí tổ chức được chi từ nguồn ngân sách sự nghiệp giáo dục năm 2025 theo quy định hiện hành.",
    "Đề nghị thủ trưởng các đơn vị quan tâm chỉ đạo, triển khai thực hiện nghiêm túc nội dung công văn này.",
    "Trong quá trình thực hiện, nếu có vướng mắc, các đơn vị phản ánh kịp thời về bộ phận chuyên môn để được hướng dẫn.",
    "Nhà trường bảo đảm cơ sở vật chất, thiết bị dạy học tối thiểu và thư viện đạt chuẩn theo quy định.",
    "Giáo viên chủ nhiệm lập danh sách học sinh có hoàn cảnh khó khăn, đề xuất mức hỗ trợ phù hợp.",
    "Kết quả kiểm tra nội bộ được tổng hợp vào hồ sơ, làm căn cứ đánh giá, xếp loại viên chức cuối năm.",
    "Ban đại diện cha mẹ học sinh phối hợp với nhà trường tổ chức các hoạt động trải nghiệm, hướng nghiệp.",
    "Tổ văn phòng cập nhật sổ theo dõi công văn đi, công văn đến và lưu trữ hồ sơ theo đúng thời hạn.",
    "Phó hiệu trưởng phụ trách chuyên môn chịu trách nhiệm kiểm tra, đôn đốc việc hoàn thiện hồ sơ minh chứng.",
    "Học sinh tham gia đầy đủ các buổi sinh hoạt dưới cờ, thực hiện tốt nội quy và an toàn giao thông.",
    "Nhà trường xây dựng kế hoạch bồi dưỡng thường xuyên cho giáo viên, chú trọng đổi mới phương pháp dạy học.",
    "Các khoản thu, chi được công khai trên bảng tin và cổng thông tin điện tử của trường đúng quy định.",
    "Đoàn kiểm tra sẽ làm việc trực tiếp tại trường, xem xét hồ sơ, phỏng vấn giáo viên và dự giờ một số tiết.",
    "Hồ sơ đề nghị công nhận đạt chuẩn quốc gia gửi về phòng trước ngày 30 tháng 6 năm 2025.",
    "Tỷ lệ học sinh hoàn thành chương trình lớp học đạt trên chín mươi lăm phần trăm, không có học sinh bỏ học.",
    "Thư viện bổ sung sách tham khảo, truyện thiếu nhi và tài liệu hướng dẫn kỹ năng sống cho học sinh.",
    "Công đoàn trường phối hợp tổ chức hội nghị viên chức, thông qua quy chế chi tiêu nội bộ năm học mới.",
    "Các tổ trưởng nộp kế hoạch hoạt động của tổ về ban giám hiệu chậm nhất vào thứ Sáu hằng tuần.",
]

TITLES = ["KẾ HOẠCH", "CÔNG VĂN", "THÔNG BÁO", "QUYẾT ĐỊNH"]
SUBJECTS = [
    "Về việc tự đánh giá chất lượng giáo dục năm học 2024-2025",
    "Về việc tổ chức tập huấn cán bộ quản lý và giáo viên",
    "Về việc kiểm tra hồ sơ chuyên môn học kỳ II",
    "Về việc triển khai công tác kiểm định chất lượng",
]


@dataclass(frozen=True)
class Degradation:
    """How to spoil a clean page: like a real scan of a stamped letter."""

    seal: bool = True
    signature: bool = True
    skew_degrees: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    jpeg_quality: int | None = None


@dataclass(frozen=True)
class RenderedPage:
    """The page image, its text in reading order, and where some lines were drawn (pixels,
    before degradation) so tests can check OCR provenance."""

    image: Image.Image
    truth: str
    line_boxes: dict[str, tuple[float, float, float, float]]


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def letter_page(seed: int, degradation: Degradation = Degradation(), sentences: int = 9,
                size_pt: float = 13.0) -> RenderedPage:
    """A one-page letter chosen by ``seed``; deterministic."""
    rng = random.Random(seed)
    px = lambda pt: int(round(pt * DPI / 72))  # noqa: E731
    font, bold = ImageFont.truetype(SERIF, px(size_pt)), ImageFont.truetype(SERIF_BOLD, px(size_pt))
    image = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(image)
    margin_l, margin_r, line_h = px(60), A4[0] - px(45), px(size_pt * 1.45)
    top = px(50)
    issuer = ISSUERS[seed % len(ISSUERS)]
    number = f"Số: {rng.randint(10, 999)}/KH-{rng.choice(['PGDĐT', 'THCS', 'MN', 'THPT'])}"
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    left = [issuer[0], issuer[1], number]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
             f"Thanh Bình, ngày {day} tháng {month} năm 2025"]
    head, head_bold = ImageFont.truetype(SERIF, px(size_pt - 2.5)), ImageFont.truetype(SERIF_BOLD, px(size_pt - 2.5))
    fonts_l = [head, head_bold, head]
    fonts_r = [head_bold, head_bold, head]
    width_l = max(draw.textlength(t, font=f) for t, f in zip(left, fonts_l))
    width_r = max(draw.textlength(t, font=f) for t, f in zip(right, fonts_r))
    left_center, right_center = margin_l + width_l / 2, margin_r - width_r / 2
    line_boxes = {}
    for row, (l_text, r_text) in enumerate(zip(left, right)):
        y = top + row * line_h
        for text, center, f in ((l_text, left_center, fonts_l[row]), (r_text, right_center, fonts_r[row])):
            origin = (center - draw.textlength(text, font=f) / 2, y)
            draw.text(origin, text, font=f, fill="black")
            line_boxes[text] = draw.textbbox(origin, text, font=f)
    y = top + 4 * line_h + px(12)
    title, subject = TITLES[seed % len(TITLES)], SUBJECTS[seed % len(SUBJECTS)]
    body_lines = []
    for text, f in ((title, bold), (subject, font)):
        draw.text(((A4[0] - draw.textlength(text, font=f)) / 2, y), text, font=f, fill="black")
        body_lines.append(text)
        y += line_h
    y += px(10)
    chosen = rng.sample(SENTENCES, sentences)
    for sentence in chosen:
        for wrapped in _wrap(draw, sentence, font, margin_r - margin_l):
            draw.text((margin_l, y), wrapped, font=font, fill="black")
            body_lines.append(wrapped)
            y += line_h
    y += px(14)
    signer = ["HIỆU TRƯỞNG", "Nguyễn Thị Hồng Nhung"]
    recipients = ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    sig_x = px(400)
    for row, text in enumerate(recipients):
        draw.text((margin_l, y + row * line_h), text, font=font, fill="black")
    draw.text((sig_x - draw.textlength(signer[0], font=bold) / 2, y), signer[0], font=bold, fill="black")
    name_y = y + 5 * line_h
    draw.text((sig_x - draw.textlength(signer[1], font=bold) / 2, name_y), signer[1], font=bold, fill="black")
    if degradation.signature:
        _signature(draw, sig_x, y + 2.5 * line_h, rng)
    if degradation.seal:
        _seal(image, sig_x - px(70), y + 2 * line_h, px(62), issuer[1])
    truth = "\n".join(left + right + body_lines + recipients + signer)
    return RenderedPage(_degrade(image, degradation, rng), truth, line_boxes)


def _signature(draw: ImageDraw.ImageDraw, x: float, y: float, rng: random.Random) -> None:
    points = [(x - 140 + i * 14, y + 40 * math.sin(i / 2.2) + rng.uniform(-8, 8)) for i in range(22)]
    draw.line(points, fill=(20, 40, 170), width=6)


def _seal(image: Image.Image, cx: float, cy: float, radius: int, name: str) -> None:
    """A translucent red round stamp: two rings, a star and the issuer's name around the rim."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    red = (210, 30, 40, 190)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=9)
    draw.ellipse((cx - radius * 0.72, cy - radius * 0.72, cx + radius * 0.72, cy + radius * 0.72), outline=red, width=5)
    font = ImageFont.truetype(SERIF_BOLD, int(radius * 0.17))
    for i, letter in enumerate(name[:26]):
        angle = math.pi * (1.1 + 0.8 * i / 26)
        draw.text((cx + radius * 0.86 * math.cos(angle) - 10, cy + radius * 0.86 * math.sin(angle) - 12), letter, font=font, fill=red)
    draw.regular_polygon((cx, cy, radius * 0.25), 5, fill=red)
    stamp = Image.new("RGB", image.size, "white")
    stamp.paste(layer, mask=layer)
    image.paste(ImageChops.multiply(image, stamp))  # ink on paper: black print stays black


def _degrade(image: Image.Image, d: Degradation, rng: random.Random) -> Image.Image:
    if d.skew_degrees:
        image = image.rotate(d.skew_degrees, resample=Image.BICUBIC, expand=False, fillcolor="white")
    if d.blur:
        image = image.filter(ImageFilter.GaussianBlur(d.blur))
    if d.noise:
        pixels = image.load()
        width, height = image.size
        for _ in range(int(width * height * d.noise)):
            x, y = rng.randrange(width), rng.randrange(height)
            pixels[x, y] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
    if d.jpeg_quality:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=d.jpeg_quality)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return image


def image_bytes(image: Image.Image, fmt: str = "PNG", dpi: int = DPI) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, dpi=(dpi, dpi))
    return buffer.getvalue()


def scanned_pdf(images: list[Image.Image], dpi: int = DPI) -> bytes:
    """A PDF whose pages are only images, like a scanner's output (no text layer)."""
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _reportlab_canvas(buffer: io.BytesIO):  # noqa: ANN202 - reportlab canvas
    from reportlab.lib.pagesizes import A4 as A4_POINTS
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSerif", SERIF))
    return canvas.Canvas(buffer, pagesize=A4_POINTS), A4_POINTS


def born_digital_letter(body: list[str], table: list[list[str]] | None = None) -> bytes:
    """A one-page born-digital letter (real text layer): two-column header, body, ruled table."""
    buffer = io.BytesIO()
    pdf, (width, height) = _reportlab_canvas(buffer)
    pdf.setFont("DejaVuSerif", 11)
    header = [("UBND HUYỆN THANH BÌNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
              ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Độc lập - Tự do - Hạnh phúc"),
              ("Số: 12/PGDĐT-TH", "Thanh Bình, ngày 5 tháng 3 năm 2025")]
    for row, (left, right) in enumerate(header):
        pdf.drawCentredString(130, height - 50 - 14 * row, left)
        pdf.drawCentredString(410, height - 50 - 14 * row, right)
    pdf.setFont("DejaVuSerif", 12)
    y = height - 130
    for line in body:
        pdf.drawString(60, y, line)
        y -= 17
    if table:
        y -= 10
        columns = [60, 100, 400, 530]
        for i, row in enumerate(table):
            for x, cell in zip(columns, row):
                pdf.drawString(x + 4, y - 14 - 20 * i, cell)
        pdf.grid(columns, [y - 20 * i for i in range(len(table) + 1)])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scan_with_hidden_text(image: Image.Image, hidden: str, dpi: int = DPI) -> bytes:
    """A scanned page carrying an invisible text layer (what a bad OCR tool leaves behind)."""
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    pdf, (width, height) = _reportlab_canvas(buffer)
    pdf.drawImage(ImageReader(image), 0, 0, width=width, height=height)
    text = pdf.beginText(60, height - 80)
    text.setFont("DejaVuSerif", 12)
    text.setTextRenderMode(3)
    for line in hidden.split("\n"):
        text.textLine(line)
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def concatenate_pdfs(parts: list[bytes]) -> bytes:
    import pikepdf

    out = pikepdf.new()
    for part in parts:
        out.pages.extend(pikepdf.open(io.BytesIO(part)).pages)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
