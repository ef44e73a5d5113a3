"""Do other people's pages stay fast while a 50-page scan is being read?

Starts ``minhchung serve`` on a temporary data folder, logs in with headless Chromium, times
page-to-page navigation (click in the sidebar → the page's script has finished) with the worker
idle, then queues a 50-page scanned PDF (built from the sample scans) through the CLI, which
hands it to the running app's worker, and times the same navigation while that scan is OCR'd.

    .venv/bin/python tests/bench/bench_ui_under_load.py [--pages 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pikepdf
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
PAGES = (("Tải lên minh chứng", "Hàng chờ duyệt"), ("Tra cứu", "Tra cứu minh chứng"), ("Độ phủ tiêu chí", "Độ phủ"),
         ("Văn bản chỉ đạo", "Văn bản chỉ đạo"), ("Danh mục minh chứng", "Danh mục minh chứng"),
         ("Quản trị", "Hồ sơ nhà trường"))
PASSWORD = "bench-password-123"


def build_scan(pages: int, target: Path) -> None:
    """A scanned PDF of ``pages`` pages, cycling through the sample scans' pages."""
    sources = [pikepdf.open(p) for p in sorted((REPO / "samples" / "scans").glob("*.pdf"))]
    out = pikepdf.new()
    pool = [page for pdf in sources for page in pdf.pages]
    for i in range(pages):
        out.pages.append(pool[i % len(pool)])
    out.save(target)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settle(driver, seconds: float = 60) -> None:
    WebDriverWait(driver, seconds, poll_frequency=0.05).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))


def navigate(driver, title: str, marker: str) -> float:
    started = time.perf_counter()
    driver.find_element(By.XPATH, f"//a[normalize-space(.)='{title}' or .//*[normalize-space(text())='{title}']]").click()
    WebDriverWait(driver, 60, poll_frequency=0.05).until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "body"), marker))
    settle(driver)
    return time.perf_counter() - started


def tour(driver, rounds: int) -> list[float]:
    return [navigate(driver, title, marker) for _ in range(rounds) for title, marker in PAGES]


def job_status(home: Path) -> str | None:
    return last_job(home)[0]


def last_job(home: Path) -> tuple[str | None, str | None]:
    with sqlite3.connect(home / "minhchung.db") as db:
        row = db.execute("SELECT status, error FROM jobs ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (None, None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ui-load-"))
    home = work / "data"
    env = dict(os.environ, MINHCHUNG_HOME=str(home), MINHCHUNG_AUTH__INITIAL_ADMIN_PASSWORD=PASSWORD)
    scan = work / "scan-50-trang.pdf"
    build_scan(args.pages, scan)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "minhchung.ui.cli", "serve", "--port", str(port),
                               "--address", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={work / 'chrome'}", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"), options=options)
    try:
        deadline = time.monotonic() + 120
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline:
                raise SystemExit("the app did not start")
            time.sleep(0.5)  # waiting for the port, bounded
        driver.get(f"http://127.0.0.1:{port}")
        fields = WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='password']"))
        driver.find_element(By.CSS_SELECTOR, "input[type='text']").send_keys("admin")
        fields[0].send_keys(PASSWORD)
        settle(driver)
        WebDriverWait(driver, 30).until(EC.element_to_be_clickable((By.XPATH, "//button[.//p[text()='Đăng nhập']]"))).click()
        WebDriverWait(driver, 120).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Hàng chờ duyệt"))
        settle(driver, 180)
        tour(driver, 1)  # warm-up: first imports of every page
        idle = tour(driver, args.rounds)
        subprocess.run([sys.executable, "-m", "minhchung.ui.cli", "ingest", str(scan)], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while job_status(home) != "running":
            if time.monotonic() > deadline:
                raise SystemExit("the app's worker never started the scan")
            time.sleep(0.5)  # waiting for the worker to claim the job, bounded
        busy: list[float] = []
        ocr_started = time.perf_counter()
        while job_status(home) == "running" and len(busy) < args.rounds * len(PAGES) * 3:
            busy += tour(driver, 1)
        status, error = last_job(home)
        still_running = status == "running"
        if status == "failed":
            raise SystemExit(f"the scan failed: {error}")
        print(f"pages of the scan: {args.pages}; navigations idle: {len(idle)}, during OCR: {len(busy)} "
              f"(OCR still running after the last one: {still_running}; {time.perf_counter() - ocr_started:.0f} s)")
        for name, values in (("idle", idle), ("during 50-page OCR", busy)):
            values = sorted(values)
            p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
            print(f"{name:>20}: p50 {statistics.median(values):.2f} s, p95 {p95:.2f} s, max {values[-1]:.2f} s")
    finally:
        driver.quit()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
