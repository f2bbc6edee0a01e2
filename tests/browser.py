"""Driving Debian's Chromium with Selenium for the browser tests, and axe-core checks."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.settings import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# `make browser` fetches axe-core from the npm registry (the Makefile names the version).
AXE = sorted((ROOT / ".venv").glob("axe-core-*/axe.min.js"))
# Without the background-networking flags Chromium keeps calling out to a closed network.
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900",
)  # fmt: skip


def make_driver() -> webdriver.Chrome:
    """A fresh headless Chromium with its own profile (skip, or fail under CI, without one)."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("chromium / chromedriver missing (make test installs them)")
        pytest.skip("chromium / chromedriver not installed (make test installs them)")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="mesobot-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.mesobot_profile = profile  # type: ignore[attr-defined]
    return driver


def quit_driver(driver: webdriver.Chrome) -> None:
    driver.quit()
    shutil.rmtree(getattr(driver, "mesobot_profile", ""), ignore_errors=True)


def wait(driver, timeout: float = 60) -> WebDriverWait:
    return WebDriverWait(driver, timeout)


def bot_says(driver, words: str):
    xpath = f"//div[contains(@class,'from-bot')][contains(., {words!r})]"
    return wait(driver).until(ec.presence_of_element_located((By.XPATH, xpath)))


def fresh_page(driver, url: str) -> None:
    """The demo page with no stored session: each test is its own conversation."""
    driver.get(url)
    driver.execute_script("localStorage.clear()")
    driver.refresh()


def open_chat(driver):
    bubble = wait(driver).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".mesobot-bubble")))
    bubble.click()
    wait(driver).until(ec.visibility_of_element_located((By.ID, "mesobot-panel")))


def send(driver, text: str):
    box = driver.find_element(By.ID, "mesobot-input")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def axe_violations(driver, context: str = "document") -> list[str]:
    """WCAG 2 A/AA violations axe-core finds on the current page: 'rule: target' lines."""
    if not AXE:
        if os.environ.get("CI"):
            pytest.fail("axe-core missing (make test fetches it)")
        pytest.skip("axe-core not fetched (make browser)")
    driver.execute_script(Path(AXE[-1]).read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        f"axe.run({context}, {{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        " return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); })"
        ".join(', '); })); });"
    )
    return list(result)
