"""Citizens' answers in a real browser (headless Chromium via Selenium).

Starts the debug `klartekst` binary on a loopback port with the bundled sample, then:
- with JavaScript: a click on "Enig" is sent by fetch and the result appears without a reload;
- without JavaScript: the same buttons post the form and the redirect shows the answer.
Screenshots of the item page at phone and desktop width go to $KLARTEKST_SCREENSHOTS
(default /tmp/klartekst-screenshots) for reviewers; they are not committed.
"""
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "klartekst"
SHOTS = pathlib.Path(os.environ.get("KLARTEKST_SCREENSHOTS", "/tmp/klartekst-screenshots"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    tmp = tempfile.mkdtemp(prefix="klartekst-browser-")
    db = f"sqlite:{tmp}/db.sqlite"
    env = dict(os.environ, KLARTEKST_SECURITY_SECRETS="browser-test-secret-0123456789", KLARTEKST_SYNC_SCHEDULE="off",
               KLARTEKST_PROMPTS_PATH=str(ROOT / "prompts"), KLARTEKST_LOG_LEVEL="warning")
    subprocess.run([str(BINARY), "import", str(ROOT / "sample"), "--database", db], check=True, env=env, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([str(BINARY), "serve", "--database", db, "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("klartekst serve did not start")
    meetings = json.load(urllib.request.urlopen(base + "/api/v1/municipalities/kalundborg"))["meetings"]
    item = f"{base}/kommune/kalundborg/moede/{meetings[0]['slug']}/punkt/4"
    yield base, item
    proc.terminate()
    proc.wait(timeout=10)


def browser(javascript=True, width=1280):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},900"]:
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def test_answer_with_javascript_updates_in_place(server):
    _, item = server
    d = browser()
    try:
        d.get(item)
        assert d.find_element(By.ID, "enig").text == "Er du enig eller uenig?"
        d.execute_script("window.__noReload = 42")
        d.find_element(By.CSS_SELECTOR, "button.choice.agree").click()
        WebDriverWait(d, 10).until(lambda x: x.find_element(By.CSS_SELECTOR, ".vote-status").get_attribute("data-updated") == "js")
        status = d.find_element(By.CSS_SELECTOR, ".vote-status").text
        assert "Dit svar: Enig" in status and "1 svar" in status
        assert d.execute_script("return window.__noReload") == 42, "the page reloaded"
        assert d.find_element(By.CSS_SELECTOR, "button.choice.agree").get_attribute("aria-pressed") == "true"
        # Changing the answer: still one participant, now disagreeing.
        d.find_element(By.CSS_SELECTOR, "button.choice.disagree").click()
        WebDriverWait(d, 10).until(lambda x: "Dit svar: Uenig" in x.find_element(By.CSS_SELECTOR, ".vote-status").text)
        assert "1 svar" in d.find_element(By.CSS_SELECTOR, ".vote-status").text
        assert d.find_element(By.CSS_SELECTOR, "button.choice.agree").get_attribute("aria-pressed") == "false"
        assert d.execute_script("return window.__noReload") == 42
    finally:
        d.quit()


def test_answer_without_javascript_posts_the_form(server):
    _, item = server
    d = browser(javascript=False)
    try:
        d.get(item)
        d.find_element(By.CSS_SELECTOR, "button.choice.pass").click()
        WebDriverWait(d, 10).until(lambda x: x.current_url.endswith("#svar"))
        status = d.find_element(By.CSS_SELECTOR, ".vote-status").text
        assert "Dit svar: Ved ikke" in status
        assert "svar)" in status  # results are shown after answering
        assert d.find_element(By.CSS_SELECTOR, ".vote-status").get_attribute("data-updated") is None
    finally:
        d.quit()


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots(server, width):
    base, item = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    d = browser(width=width)
    try:
        for name, url in [("forside", base + "/"), ("punkt", item), ("borgersvar", base + "/kommune/kalundborg/borgersvar"), ("privatliv", base + "/privatliv")]:
            d.get(url)
            height = d.execute_script("return document.body.scrollHeight")
            d.set_window_size(width, min(max(height, 600), 6000))
            path = SHOTS / f"{name}-{width}.png"
            assert d.save_screenshot(str(path)) and path.stat().st_size > 1000
            # Nothing wider than the screen on a phone.
            assert d.execute_script("return document.documentElement.scrollWidth") <= width + 1
    finally:
        d.quit()
