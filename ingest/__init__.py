"""Ingestion: turns files (PDF, images, DOCX, text) into typed ``Document`` objects.

Stages, one module each (dependencies point down the list):

* ``intake``     — ``read_upload``: bytes → checked ``Upload`` (real type, sha256, limits).
* ``blobstore``  — ``BlobStore``: originals kept byte for byte under their sha256.
* ``textlayer``  — PDF text layer (PDFium words, pdfplumber ruled tables) and its verdict.
* ``raster`` / ``preprocess`` / ``ocr`` — 300-DPI pages, seal/ink removal, deskew, rules,
  Tesseract ``vie`` in worker processes, boxes mapped back to PDF points.
* ``layout``     — words → lines → blocks in reading order (two-column letter headers).
* ``pipeline``   — ``extract_document`` (assemble) and ``render_page_png`` for the UI.

``document`` (the model), ``normalize`` (the one normaliser), ``errors`` and ``settings`` are
shared with every other layer. Depends on nothing else in minhchung.
"""
