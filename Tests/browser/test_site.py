"""Every page type in headless Chromium: accessibility (axe-core, zero violations, plus our own
checks for what axe does not test: visible focus, focus order, lang="da", no horizontal
scrolling on a 360 px phone, no request to another host), the finder without JavaScript, the
spoken summary, printing. Screenshots of every page type at phone and desktop width go to
$KLARTEKST_SCREENSHOTS (default /tmp/klartekst-screenshots); they are not committed.
"""
import base64
import importlib.util
import pathlib
import re

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ADMIN, SHOTS, browser

AXE_SOURCE = pathlib.Path(importlib.util.find_spec("axe_playwright_python").origin).parent / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
HVIDOVRE = "/kommune/hvidovre/moede/oekonomiudvalget-2026-05-18"


def page_types(site):
    """(name, url, operator login needed) for every kind of page the site has."""
    item = site.item.removeprefix(site.base)
    return [
        ("forside", "/", False),
        ("kommuner", "/kommuner?q=frederiks", False),
        ("kommune", "/kommune/hvidovre", False),
        ("moede", HVIDOVRE, False),
        ("punkt", item, False),
        ("punkt-lang", HVIDOVRE + "/punkt/10", False),
        ("punkt-lukket", HVIDOVRE + "/punkt/33", False),
        ("sag", None, False),  # found from the item page
        ("emne", "/emne/hjemloeshed", False),
        ("soeg", "/soeg", False),
        ("soeg-resultater", "/soeg?q=borger&sortering=nyeste", False),
        ("borgersvar", "/kommune/kalundborg/borgersvar", False),
        ("abonner", "/abonner?emne=hjemloeshed", False),
        ("om", "/om", False),
        ("privatliv", "/privatliv", False),
        ("mine-svar", "/mine-svar", False),
        ("ikke-fundet", "/kommune/findes-ikke", False),
        ("drift", "/drift", True),
        ("drift-analyser", "/drift/analyser", True),
        ("drift-svar", "/drift/svar/kalundborg", True),
        ("drift-koe", "/drift/koe", True),
    ]


def resolve(d, site, pages):
    out = []
    for name, path, admin in pages:
        if path is None and name == "sag":
            d.get(site.item)
            path = d.find_element(By.CSS_SELECTOR, "a[href*='/sag/']").get_attribute("href").removeprefix(site.base)
        out.append((name, path, admin))
    return out


def login(d):
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}})


def axe_violations(d):
    d.set_script_timeout(60)
    d.execute_script(AXE_SOURCE.read_text(encoding="utf-8"))
    return d.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' → ' + n.failureSummary)}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
        """,
        AXE_TAGS,
    )


def focus_walk(d, limit=80):
    """Tabs through the page; returns what got focus, in order, with its focus style."""
    d.execute_script("window.scrollTo(0, 0); if (document.activeElement) document.activeElement.blur();")
    seen = []
    for _ in range(limit):
        ActionChains(d).send_keys(Keys.TAB).perform()
        info = d.execute_script(
            """
            const e = document.activeElement;
            if (!e || e === document.body || e === document.documentElement) return null;
            const s = getComputedStyle(e);
            return {tag: e.tagName.toLowerCase(), order: Array.prototype.indexOf.call(document.querySelectorAll('*'), e),
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow,
                    tabindex: e.getAttribute('tabindex'), label: (e.getAttribute('aria-label') || e.textContent || e.value || '').trim().slice(0, 50)};
            """
        )
        if info is None or (seen and info["order"] == seen[0]["order"]):
            break
        seen.append(info)
    return seen


@pytest.fixture(scope="module")
def pages(server):
    d = browser()
    try:
        return resolve(d, server, page_types(server))
    finally:
        d.quit()


@pytest.mark.parametrize("width", [360, 1280])
def test_every_page_type_has_zero_accessibility_violations(server, pages, width):
    d = browser(width=width)
    problems = []
    try:
        login(d)
        for name, path, _ in pages:
            d.get(server.base + path)
            assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "da", name
            assert d.find_elements(By.TAG_NAME, "main") and d.find_elements(By.TAG_NAME, "h1"), f"{name}: no <main> or <h1>"
            for v in axe_violations(d):
                problems.append(f"{name} ({path}, {width} px): {v['id']} [{v['impact']}] {v['help']}\n    " + "\n    ".join(v["nodes"]))
    finally:
        d.quit()
    assert not problems, "axe-core found violations:\n" + "\n".join(problems)


def test_focus_is_visible_and_follows_the_reading_order(server, pages):
    d = browser()
    problems = []
    try:
        login(d)
        for name, path, _ in pages:
            d.get(server.base + path)
            walk = focus_walk(d)
            assert walk, f"{name}: nothing can be reached with the keyboard"
            assert walk[0]["label"] == "Gå til indhold", f"{name}: the first Tab should reach the skip link, got {walk[0]}"
            orders = [w["order"] for w in walk if w["tag"] != "audio"]
            if orders != sorted(orders):
                problems.append(f"{name}: focus order is not the reading order: {[w['label'] for w in walk]}")
            for w in walk:
                if w["tabindex"] not in (None, "0", "-1"):
                    problems.append(f"{name}: positive tabindex on {w}")
                if w["tag"] != "audio" and not (w["outline"] != "none" and w["width"] >= 2) and w["shadow"] in ("none", ""):
                    problems.append(f"{name}: no visible focus on {w['tag']} «{w['label']}»")
    finally:
        d.quit()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_the_screen_load_nothing_from_elsewhere_and_are_photographed(server, pages, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    d = browser(width=width)
    problems = []
    try:
        login(d)
        for name, path, _ in pages:
            d.set_window_size(width, 900)
            d.get(server.base + path)
            external = d.execute_script(
                """
                const own = location.origin;
                const loaded = performance.getEntriesByType('resource').map(e => e.name);
                const linked = Array.from(document.querySelectorAll('[src], link[href]')).map(e => e.src || e.href);
                return loaded.concat(linked).filter(u => u && !u.startsWith(own));
                """
            )
            if external:
                problems.append(f"{name}: requests to other hosts: {external}")
            if d.execute_script("return document.documentElement.scrollWidth") > width + 1:
                problems.append(f"{name}: wider than {width} px")
            height = d.execute_script("return document.documentElement.scrollHeight")
            d.set_window_size(width, min(max(height, 600), 8000))
            shot = SHOTS / f"{name}-{width}.png"
            assert d.save_screenshot(str(shot)) and shot.stat().st_size > 1000
    finally:
        d.quit()
    assert not problems, "\n".join(problems)


def test_finder_without_javascript(server):
    d = browser(javascript=False)
    try:
        d.get(server.base + "/")
        field = d.find_element(By.ID, "kommune-felt")
        assert field.get_attribute("list") == "kommune-navne"
        assert len(d.find_elements(By.CSS_SELECTOR, "#kommune-navne option")) >= 98
        field.send_keys("kalund")
        field.send_keys(Keys.ENTER)
        WebDriverWait(d, 10).until(lambda x: x.current_url.endswith("/kommune/kalundborg"))
        assert d.find_element(By.TAG_NAME, "h1").text == "Kalundborg Kommune"
        # An ambiguous query lists the candidates.
        d.get(server.base + "/kommuner?q=frederiks")
        names = [li.text for li in d.find_elements(By.CSS_SELECTOR, "ul.finder-results li")]
        assert len(names) == 3 and all(n.startswith("Frederiks") for n in names)
    finally:
        d.quit()


def test_spoken_summary_plays(server):
    d = browser()
    try:
        d.get(server.item)
        audio = d.find_element(By.CSS_SELECTOR, ".listen audio")
        assert audio.get_attribute("preload") == "none"
        d.execute_script("arguments[0].load()", audio)
        WebDriverWait(d, 30).until(lambda x: x.execute_script("return arguments[0].readyState >= 1", audio))
        duration = d.execute_script("return arguments[0].duration", audio)
        assert 3 < duration < 300, duration
        assert d.execute_script("return arguments[0].error", audio) is None
    finally:
        d.quit()


def test_item_page_prints_the_whole_case_without_site_chrome(server):
    d = browser()
    try:
        d.get(server.base + HVIDOVRE + "/punkt/10")
        closed = d.execute_script("return document.querySelectorAll('details.section:not([open])').length")
        assert closed > 0
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not d.find_element(By.CSS_SELECTOR, "header.site").is_displayed()
        assert not d.find_element(By.CSS_SELECTOR, "form.vote").is_displayed()
        heights = d.execute_script(
            "return Array.from(document.querySelectorAll('details.section:not([open]) .section-body')).map(e => e.getBoundingClientRect().height)")
        assert heights and all(h > 0 for h in heights), heights
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        assert d.find_element(By.CSS_SELECTOR, "header.site").is_displayed()
    finally:
        d.quit()
