"""The one lock every PDFium call in a process goes through.

PDFium is not thread-safe (pypdfium2 says so, and ctypes releases the GIL during each call). A
process with threads uses it from several at once: the app's worker reads text layers of two
documents at a time while people's page views render page images in Streamlit's script threads.
Calls are short (milliseconds per page), so one re-entrant lock costs little and rules out the
rare crash of the whole app that two simultaneous calls could cause. OCR child processes have
their own PDFium and take the (uncontended) lock too.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
