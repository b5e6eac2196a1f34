"""Shared fixtures for the browser tests: the debug `klartekst` binary serving the bundled
sample (imported and analysed without a model) on a loopback port, and headless Chromium."""
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

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "klartekst"
SHOTS = pathlib.Path(os.environ.get("KLARTEKST_SCREENSHOTS", "/tmp/klartekst-screenshots"))
ADMIN = ("redaktion", "browser-test-password")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    def __init__(self, base, item):
        self.base = base
        self.item = item


@pytest.fixture(scope="session")
def server():
    tmp = tempfile.mkdtemp(prefix="klartekst-browser-")
    db = f"sqlite:{tmp}/db.sqlite"
    env = dict(os.environ, KLARTEKST_SECURITY_SECRETS="browser-test-secret-0123456789", KLARTEKST_SYNC_SCHEDULE="off",
               KLARTEKST_PROMPTS_PATH=str(ROOT / "prompts"), KLARTEKST_LOG_LEVEL="warning",
               KLARTEKST_ADMIN_USER=ADMIN[0], KLARTEKST_ADMIN_PASSWORD=ADMIN[1])
    subprocess.run([str(BINARY), "import", str(ROOT / "sample"), "--database", db], check=True, env=env, capture_output=True)
    subprocess.run([str(BINARY), "analyze", "--database", db], check=True, env=env, capture_output=True)
    subprocess.run([str(BINARY), "index", "--database", db], check=True, env=env, capture_output=True)
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
    yield Site(base, item)
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
