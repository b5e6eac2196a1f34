"""Citizens' answers in a real browser (headless Chromium via Selenium).

With JavaScript, a click on "Enig" is sent by fetch and the result appears without a reload;
without JavaScript, the same buttons post the form and the redirect shows the answer.
"""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import browser


def test_answer_with_javascript_updates_in_place(server):
    item = server.item
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
    item = server.item
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
