"""Chunking: passages follow blocks, stay within size, never cross pages, spans are exact."""

from datetime import date

from minhchung.index.chunking import CardFacts, ChunkingPolicy, card_text, chunk_pages, page_passages
from minhchung.index.sparse import tokenize
from minhchung.ingest.document import Document

PARAGRAPH = "Nhà trường tổ chức rà soát hồ sơ minh chứng của từng tiêu chí và cập nhật danh mục theo quy định."


def _document(pages: list[str]) -> Document:
    return Document.from_text("\f".join(pages), document_id="doc-1", filename="x.txt")


def test_spans_point_at_the_exact_page_text():
    doc = _document(["\n\n".join([PARAGRAPH] * 12), "Trang hai.\n\nĐoạn cuối của văn bản."])
    chunks = chunk_pages(doc.id, doc.pages)
    assert {c.span.page for c in chunks} == {1, 2}
    for chunk in chunks:
        page = doc.pages[chunk.span.page - 1]
        assert page.text[chunk.span.start : chunk.span.end] == chunk.text
        assert chunk.text == chunk.text.strip()


def test_passages_pack_paragraphs_up_to_the_target_and_never_exceed_the_maximum():
    policy = ChunkingPolicy(target=60, maximum=100, minimum_tail=10)
    doc = _document(["\n\n".join([PARAGRAPH] * 20)])
    ranges = page_passages(doc.pages[0], policy)
    sizes = [len(tokenize(doc.pages[0].text[s:e])) for s, e in ranges]
    assert len(ranges) > 1
    assert all(size <= policy.maximum for size in sizes)
    assert all(size >= policy.target for size in sizes[:-1])
    # passages start at paragraph starts: blocks are never cut when they fit
    assert all(doc.pages[0].text[s:].startswith("Nhà trường") for s, _ in ranges)


def test_a_run_on_block_without_punctuation_is_cut_by_syllables():
    run_on = " ".join(["minh chứng"] * 300)  # 600 syllables, one line, no sentence end
    doc = _document([run_on])
    ranges = page_passages(doc.pages[0], ChunkingPolicy(target=250, maximum=400))
    sizes = [len(tokenize(doc.pages[0].text[s:e])) for s, e in ranges]
    assert sum(sizes) == 600 and max(sizes) <= 400


def test_card_states_type_number_date_issuer_title_codes():
    facts = CardFacts(
        title="Thành lập Hội đồng tự đánh giá", doc_type="quyet_dinh", number="12/QĐ-THCS",
        issued=date(2026, 9, 5), issuer="Trường THCS Hòa An", codes=("MC.1.1.01",), criteria=("1.1",),
    )
    assert card_text(facts) == (
        "Quyết định số 12/QĐ-THCS ngày 05/09/2026 của Trường THCS Hòa An: Thành lập Hội đồng tự đánh giá. "
        "Mã minh chứng: MC.1.1.01. Tiêu chí: 1.1"
    )


def test_empty_page_gives_no_passage():
    doc = _document(["Nội dung.", "   "])
    assert [c.span.page for c in chunk_pages(doc.id, doc.pages)] == [1]
