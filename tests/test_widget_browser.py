"""The chat widget in a real headless Chromium (Debian's chromium + chromedriver, Selenium)."""

from __future__ import annotations

import contextlib
import http.server
import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec

from bot.settings import ROOT
from tests.browser import (
    axe_violations,
    bot_says,
    fresh_page,
    make_driver,
    open_chat,
    quit_driver,
    send,
    wait,
)
from tests.conftest import free_port
from tests.test_gateway_web import in_process_gateway


@pytest.fixture(scope="module")
def browser():
    driver = make_driver()
    yield driver
    quit_driver(driver)


def test_chat_quick_reply_reload_and_text_only_rendering(bot, browser):
    fresh_page(browser, bot.gateway + "/")
    open_chat(browser)
    assert browser.switch_to.active_element.get_attribute("id") == "mesobot-input"
    panel = browser.find_element(By.ID, "mesobot-panel")
    assert panel.get_attribute("role") == "dialog"
    assert browser.find_element(By.CSS_SELECTOR, ".mesobot-log").get_attribute("role") == "log"
    wait(browser).until(
        ec.text_to_be_present_in_element((By.ID, "mesobot-title"), "Demo Hair Clinic")
    )

    send(browser, "can I wash my hair after the treatment?")
    bot_says(browser, "24 hours")
    assert "not medical advice" in browser.find_element(By.CSS_SELECTOR, ".mesobot-log").text

    more = wait(browser).until(
        ec.element_to_be_clickable((By.XPATH, "//div[@class='mesobot-replies']/button"))
    )
    assert more.text == "Tell me more"
    more.click()
    bot_says(browser, "hair dye")

    send(browser, "<script>window.__pwned = 1</script><b>bold?</b>")
    mine = wait(browser).until(
        ec.presence_of_element_located(
            (By.XPATH, "//div[contains(@class,'from-patient')][contains(., '<script>')]")
        )
    )
    assert "<b>bold?</b>" in mine.text
    assert browser.execute_script("return window.__pwned") is None
    assert not browser.find_elements(By.CSS_SELECTOR, ".mesobot-log b, .mesobot-log script")

    browser.refresh()
    open_chat(browser)
    bot_says(browser, "24 hours")
    bot_says(browser, "hair dye")

    browser.find_element(By.ID, "mesobot-input").send_keys(Keys.ESCAPE)
    wait(browser).until(ec.invisibility_of_element_located((By.ID, "mesobot-panel")))
    assert "mesobot-bubble" in browser.switch_to.active_element.get_attribute("class")


def test_a_flag_in_a_question_keeps_the_callback_buttons_beside_the_answer(bot, browser):
    fresh_page(browser, bot.gateway + "/")
    open_chat(browser)
    send(browser, "I take Eliquis, how much is a session?")
    bot_says(browser, "$250")
    titles = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".mesobot-replies button")]
    assert titles == ["Tell me more", "Yes, call me back", "No, thanks"]
    browser.find_element(By.XPATH, "//div[@class='mesobot-replies']/button[2]").click()
    bot_says(browser, "What name should the clinician ask for?")


def test_links_are_clickable_and_the_panel_fits_a_phone(bot, browser):
    browser.set_window_size(390, 844)
    fresh_page(browser, bot.gateway + "/")
    open_chat(browser)
    send(browser, "how do I book an appointment?")
    link = wait(browser).until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".from-bot a[href='https://example.com/book']")
        )
    )
    assert link.get_attribute("rel") == "noopener noreferrer"
    width = browser.execute_script(
        "return document.getElementById('mesobot-panel').getBoundingClientRect().width"
    )
    assert abs(width - browser.execute_script("return window.innerWidth")) <= 1
    browser.set_window_size(1280, 900)


@contextlib.contextmanager
def clinic_site(port: int, gateway: str):
    """A clinic's own web page on another origin, embedding the widget with its one tag."""
    page = (
        "<!doctype html><html lang='en'><head><title>Clinic site</title></head><body>"
        f"<h1>Another origin</h1><script src='{gateway}/static/widget.js' defer></script>"
        "</body></html>"
    ).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()


def test_the_widget_works_on_a_clinic_site_of_another_origin(bot, browser, tmp_path):
    site_port = free_port()
    origin = f"http://127.0.0.1:{site_port}"
    clinic = (
        (ROOT / "clinic.yml")
        .read_text()
        .replace("widget_origins: []", f"widget_origins: [{origin}]")
    )
    (tmp_path / "clinic.yml").write_text(clinic)
    clinic_file = str(tmp_path / "clinic.yml")
    with in_process_gateway(bot, tmp_path, MESOBOT_CLINIC_FILE=clinic_file) as client:
        gateway = str(client.base_url).replace("127.0.0.1", "localhost").rstrip("/")
        with clinic_site(site_port, gateway) as url:
            fresh_page(browser, url)
            open_chat(browser)
            send(browser, "how much does a session cost?")
            bot_says(browser, "$250")
            assert browser.execute_script("return location.origin") == origin


def test_keyboard_focus_escape_and_accessibility(bot, browser):
    fresh_page(browser, bot.gateway + "/")
    open_chat(browser)
    log = browser.find_element(By.CSS_SELECTOR, ".mesobot-log")
    assert log.get_attribute("aria-label") == "Conversation"
    close = browser.find_element(By.CSS_SELECTOR, ".mesobot-close")
    assert close.size["width"] >= 44 and close.size["height"] >= 44
    send(browser, "can I wash my hair after the treatment?")
    bot_says(browser, "24 hours")
    more = wait(browser).until(
        ec.element_to_be_clickable((By.XPATH, "//div[@class='mesobot-replies']/button"))
    )
    ring = browser.execute_script(
        "arguments[0].focus(); return getComputedStyle(arguments[0]).outlineColor", more
    )
    assert ring == "rgb(26, 26, 26)", "a focus ring dark enough to see on white"
    more.send_keys(Keys.ENTER)
    bot_says(browser, "hair dye")
    assert browser.switch_to.active_element.get_attribute("id") == "mesobot-input"
    assert axe_violations(browser) == []
    browser.execute_script("document.activeElement.blur(); document.body.focus()")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait(browser).until(ec.invisibility_of_element_located((By.ID, "mesobot-panel")))


@pytest.mark.parametrize(("width", "height"), [(390, 844), (320, 256)], ids=["phone", "zoom-400"])
def test_the_open_panel_fits_small_windows_and_hides_the_bubble(bot, browser, width, height):
    browser.set_window_size(width, height)
    try:
        fresh_page(browser, bot.gateway + "/")
        inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
        open_chat(browser)
        panel = browser.execute_script(
            "return document.getElementById('mesobot-panel').getBoundingClientRect().toJSON()"
        )
        assert panel["left"] >= 0 and panel["right"] <= inner[0] + 1
        form = browser.execute_script(
            "return document.querySelector('.mesobot-form').getBoundingClientRect().toJSON()"
        )
        assert form["left"] >= 0 and form["bottom"] <= inner[1] + 1, "the form stays in view"
        bubble = browser.find_element(By.CSS_SELECTOR, ".mesobot-bubble")
        assert bubble.get_attribute("inert") is not None, (
            "the covered bubble is out of the Tab order"
        )
    finally:
        browser.set_window_size(1280, 900)


def test_a_red_flag_then_a_callback_saved_through_the_widget(bot, browser):
    fresh_page(browser, bot.gateway + "/")
    open_chat(browser)
    send(browser, "since my session there's pus coming out of my scalp and I have a fever")
    bot_says(browser, "flagged your conversation as urgent")
    yes = wait(browser).until(
        ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Yes, call me back']"))
    )
    yes.click()
    bot_says(browser, "What name should the clinician ask for?")
    send(browser, "Wren Halloway")
    bot_says(browser, "What phone number")
    send(browser, "+44 7700 900777")
    bot_says(browser, "When is a good time")
    send(browser, "as soon as possible")
    bot_says(browser, "A clinician will call you on +447700900777")
    with bot.sessions() as session:
        from sqlalchemy import select

        from bot.store.models import Escalation

        saved = session.execute(
            select(Escalation.callback_name, Escalation.callback_phone).where(
                Escalation.callback_phone == "+447700900777"
            )
        ).one()
    assert tuple(saved) == ("Wren Halloway", "+447700900777")
