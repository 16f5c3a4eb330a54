"""The status page as a person sees it: Debian's Chromium, headless, driven
by selenium, opens the built site at 1280 and 375 px wide, light and dark.
The tests read what is on screen (the overall status, each component's
state, the incident's updates in order) and keep screenshots in
build/screenshots/ to look at.

Without /usr/bin/chromium and /usr/bin/chromedriver (apt-get install -y
chromium chromium-driver) these tests skip, saying why, unless CI is set:
then they fail."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from lacking import needed
from statuspage_site import CLOSED_TITLE, HIDDEN, OPEN_TITLE, UPDATES, plant_site, site_policy

from warroom.formats.statuspage import build

CHROMIUM = os.environ.get("WARROOM_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WARROOM_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WIDTHS = (1280, 375)


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        needed(f"the status page's browser tests: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="warroom-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def site(open_store, clock, tmp_path):
    policy = site_policy(tmp_path)
    store = open_store(policy_=policy)
    ids = plant_site(store, clock)
    return build(store, policy, tmp_path / "site"), ids


def show(driver, url: str, width: int, scheme: str = "light") -> None:
    """Open the page with a viewport `width` CSS pixels wide."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    driver.get(url)
    assert driver.execute_script("return window.innerWidth") == width


def screenshot(driver, name: str, width: int) -> Path:
    """The whole page, kept for people to look at."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(height, 6000), "deviceScaleFactor": 1, "mobile": False},
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"statuspage-{name}-{width}.png"
    assert driver.save_screenshot(str(path))
    return path


def seen(driver, css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_sees_the_status_components_and_updates(browser, site, width):
    folder, ids = site
    show(browser, (folder / "index.html").as_uri(), width)
    assert browser.title == "ACME status"
    assert seen(browser, "h1") == ["ACME status"]
    assert seen(browser, "#overall") == ["✕ Major System Outage"]
    states = {cid: seen(browser, f"#component-{cid} .state") for cid in ("api", "checkout", "web")}
    assert states == {
        "api": ["▼ Degraded performance"],
        "checkout": ["▼ Degraded performance"],
        "web": ["✓ Operational"],
    }
    incident = f"#incident-{ids['open']}"
    assert seen(browser, f"{incident} h3") == [OPEN_TITLE]
    assert seen(browser, f"{incident} .update .body") == list(reversed(UPDATES))  # newest first
    heads = seen(browser, f"{incident} .update-head")
    assert [h.split(" ")[0] for h in heads] == ["Monitoring", "Identified", "Investigating"]
    assert all(h.endswith(("CET", "CEST")) for h in heads)
    assert CLOSED_TITLE not in seen(browser, "main")[0]  # resolved: in the history only
    assert HIDDEN not in browser.page_source
    # Nothing sideways to scroll, even on a phone.
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    # Ninety days per component, each a visible mark, today's last.
    days = browser.execute_script(
        "return [...document.querySelectorAll('ol.bar')].map(ol => [...ol.children].filter("
        "li => li.getBoundingClientRect().width > 0 && li.getBoundingClientRect().height > 0"
        ").length)"
    )
    assert days == [90, 90, 90]
    assert seen(browser, "footer time")[0].endswith(("CET", "CEST"))
    screenshot(browser, "index", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_incident_page_and_history_through_the_links(browser, site, width):
    from selenium.webdriver.common.by import By

    folder, ids = site
    show(browser, (folder / "index.html").as_uri(), width)
    browser.find_element(By.LINK_TEXT, OPEN_TITLE).click()
    assert seen(browser, "h1") == [OPEN_TITLE]
    assert seen(browser, ".update .body") == list(reversed(UPDATES))
    screenshot(browser, "incident", width)
    browser.find_element(By.LINK_TEXT, "History").click()
    assert seen(browser, "h1") == ["Incident history"]
    assert seen(browser, ".history h2") == [OPEN_TITLE, CLOSED_TITLE]
    assert seen(browser, ".history .status") == ["Monitoring", "Resolved"]
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    screenshot(browser, "history", width)


def test_dark_scheme_follows_the_system(browser, site):
    folder, _ = site
    backgrounds = {}
    for scheme in ("light", "dark"):
        show(browser, (folder / "index.html").as_uri(), 1280, scheme)
        backgrounds[scheme] = browser.execute_script(
            "return getComputedStyle(document.body).backgroundColor"
        )
        screenshot(browser, f"index-{scheme}", 1280)
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(20, 22, 26)"}
