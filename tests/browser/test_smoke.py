"""Real-browser smoke test: `minhchung serve` on a free port, headless Chromium logs in, uploads
a sample scan, waits (bounded) until the background worker has read it and its suggested criteria
are in the review queue, finds it on *Tra cứu* (so the app process both indexes and searches),
uploads a directive and sees its deadlines, visits every page, and saves screenshots of each to
``docs/screenshots/`` for the README."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
PASSWORD = "admin-password-for-tests"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SCAN = REPO / "samples" / "scans" / "bb-bdd-cmhs-thcsha-hop-dau-nam.pdf"
SCAN_PHRASE = "mái che nhà để xe"  # words of that scan (its parents' meeting minutes)
DIRECTIVE = REPO / "samples" / "letters" / "cv-sgd-1523-trien-khai-tt57.pdf"


@pytest.fixture
def server(home: Path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "minhchung.ui.cli", "serve", "--port", str(port), "--address", "127.0.0.1"],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            pytest.fail(process.stdout.read().decode(errors="replace"))
        time.sleep(0.5)  # polling for the port to open, bounded by the deadline
    yield f"http://127.0.0.1:{port}"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


@pytest.fixture
def browser(tmp_path: Path):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def _wait_text(driver, text: str, seconds: float = 60) -> None:
    try:
        WebDriverWait(driver, seconds, poll_frequency=0.5).until(
            EC.text_to_be_present_in_element((By.TAG_NAME, "body"), text))
    except TimeoutException:
        body = driver.find_element(By.TAG_NAME, "body").text
        pytest.fail(f"waited {seconds}s for {text!r}; the page shows:\n{body}")


def _settle(driver, seconds: float = 60) -> None:
    """Wait until the app is not running a script (its "running" status widget is gone)."""
    WebDriverWait(driver, seconds, poll_frequency=0.3).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))


def _shot(driver, name: str) -> None:
    _settle(driver)
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _click(driver, label: str) -> None:
    WebDriverWait(driver, 30).until(EC.element_to_be_clickable((By.XPATH, f"//button[.//p[text()='{label}']]"))).click()


def _go(driver, slug: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f"a[href$='/{slug}']").click()


def _upload(driver, path: Path, button: str, expected: str) -> None:
    """Choose ``path`` and submit; a click landing while the file is still being sent to the
    server is not a submission, so submit again (at most three times) until ``expected`` shows."""
    WebDriverWait(driver, 60).until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type='file']")))
    driver.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(str(path))
    WebDriverWait(driver, 60, poll_frequency=0.5).until(  # the uploader lists the chosen file with its size
        lambda d: any(unit in d.find_element(By.TAG_NAME, "body").text for unit in ("KB", "MB")))
    for attempt in range(3):
        _settle(driver)
        _click(driver, button)
        try:
            WebDriverWait(driver, 60, poll_frequency=0.5).until(
                EC.text_to_be_present_in_element((By.TAG_NAME, "body"), expected))
            return
        except TimeoutException:
            if attempt == 2:
                raise


def test_login_upload_wait_search_and_pages(server, browser):
    browser.get(server)
    _wait_text(browser, "Đăng nhập")
    _shot(browser, "01-dang-nhap")
    fields = WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='text'], input[type='password']"))
    fields[0].send_keys("admin")
    browser.find_element(By.CSS_SELECTOR, "input[type='password']").send_keys(PASSWORD)
    _settle(browser)
    _click(browser, "Đăng nhập")
    _wait_text(browser, "Hàng chờ duyệt")

    _upload(browser, SCAN, "Tải lên", "Đợt 1")
    _wait_text(browser, "Đợt 1: 1 xong", seconds=300)  # OCR'd by the worker inside the app process
    _wait_text(browser, "độ tin cậy", seconds=60)  # its suggested criteria wait in the review queue
    _wait_text(browser, "Ban đại diện cha mẹ học sinh")
    _shot(browser, "02-tai-len")

    _go(browser, "tra-cuu")
    _wait_text(browser, "Tra cứu minh chứng")
    _settle(browser)
    search_box = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "input[type='text']"))
    search_box.send_keys(SCAN_PHRASE)
    _click(browser, "Tìm")
    _wait_text(browser, SCAN.name)
    _wait_text(browser, "Tải bản gốc")
    assert browser.find_elements(By.TAG_NAME, "mark"), "the matched words are highlighted"
    _shot(browser, "04-tra-cuu")

    _go(browser, "van-ban-chi-dao")
    _wait_text(browser, "Văn bản chỉ đạo")
    _upload(browser, DIRECTIVE, "Tải lên và đọc", "1523")  # in the notice, then in the timeline
    _wait_text(browser, "QUÁ HẠN", seconds=180)  # read in the background, deadlines on the timeline
    _shot(browser, "05-van-ban-chi-dao")

    for slug, title, shot in (("do-phu", "Tải danh sách tiêu chí còn thiếu", "03-do-phu"),
                              ("danh-muc", "Danh mục minh chứng", "06-danh-muc"),
                              ("quan-tri", "Hồ sơ nhà trường", "07-quan-tri")):
        _go(browser, slug)
        _wait_text(browser, title)
        _shot(browser, shot)
