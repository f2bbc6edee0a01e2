"""The staff console in a real headless Chromium, beside a patient's widget in another one:
a red flag reaches the queue live, staff take the conversation over, answer and give it back."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

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
from tests.console_client import PASSWORD, new_account

# Set MESOBOT_SCREENSHOTS=docs to refresh the README's pictures of the console.
SCREENSHOTS = os.environ.get("MESOBOT_SCREENSHOTS")


@pytest.fixture(scope="module")
def staff_browser():
    driver = make_driver()
    yield driver
    quit_driver(driver)


@pytest.fixture(scope="module")
def patient_browser():
    driver = make_driver()
    yield driver
    quit_driver(driver)


def sign_in(driver, gateway: str, username: str) -> None:
    driver.get(gateway + "/console/login")
    driver.delete_all_cookies()  # whoever was signed in before
    driver.get(gateway + "/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "queue")))


def click(driver, text: str) -> None:
    xpath = f"//button[normalize-space()={text!r}]"
    wait(driver).until(ec.element_to_be_clickable((By.XPATH, xpath))).click()


def shot(driver, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(exist_ok=True)
        driver.save_screenshot(str(Path(SCREENSHOTS) / name))


def test_staff_take_over_answer_live_and_hand_back(bot, staff_browser, patient_browser):
    staff, patient = staff_browser, patient_browser
    sign_in(staff, bot.gateway, new_account(bot, "admin", "Dr Lee"))
    assert axe_violations(staff) == []

    red_rows = "//tr[contains(@class,'red')]//a"
    earlier = len(staff.find_elements(By.XPATH, red_rows))  # other tests' red flags
    fresh_page(patient, bot.gateway + "/")
    open_chat(patient)
    send(patient, "since my session yesterday there's pus and my scalp is hot and red")
    bot_says(patient, "flagged your conversation as urgent")

    # No reload: the queue updates itself. Red flags sort oldest first, so ours is last.
    wait(staff).until(lambda driver: len(driver.find_elements(By.XPATH, red_rows)) > earlier)
    row = staff.find_elements(By.XPATH, red_rows)[-1]
    shot(staff, "console-queue.png")
    row.click()
    wait(staff).until(ec.presence_of_element_located((By.CSS_SELECTOR, "mark")))
    assert "pus" in staff.find_element(By.CSS_SELECTOR, ".transcript").text
    click(staff, "Claim: I'll answer this patient")
    bot_says(patient, "team is with you now")

    send(patient, "is this normal??")
    wait(staff).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".transcript"), "is this normal??")
    )
    staff.find_element(By.ID, "reply").send_keys("Hello, I'm Dr Lee. Please call us now.")
    click(staff, "Send to the patient")
    reply = wait(patient).until(
        ec.presence_of_element_located((By.XPATH, "//div[contains(@class,'from-staff')]"))
    )
    assert "Dr Lee" in reply.text and "Please call us now" in reply.text
    assert not patient.find_elements(
        By.XPATH, "//div[contains(@class,'from-bot')][contains(., 'is not normal')]"
    ), "no bot answer while staff own the conversation"

    staff.find_element(By.ID, "note").send_keys("Left a voicemail too")
    click(staff, "Add note")
    shot(staff, "console-conversation.png")
    assert axe_violations(staff) == []
    click(staff, "Hand back to the bot")
    bot_says(patient, "handed you back")
    send(patient, "how much does a session cost?")
    bot_says(patient, "$250")
    assert "Left a voicemail" not in patient.find_element(By.CSS_SELECTOR, ".mesobot-log").text

    staff.find_element(By.ID, "outcome-needs_consultation").click()
    staff.find_element(By.ID, "resolution").send_keys("Seen in clinic the same day.")
    click(staff, "Resolve")
    wait(staff).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main"), "Resolved."))


# Holds the console's live stream until the test opens it, so that a change can land between
# the page being rendered and the stream's first event (the window a slow connect leaves).
HOLD_LIVE_STREAM = """
(function () {
  var Real = window.EventSource, held = [];
  window.EventSource = function (url) {
    var proxy = { close: function () { if (proxy.real) proxy.real.close(); } };
    held.push(function () {
      var real = new Real(url);
      proxy.real = real;
      real.onmessage = function (event) { if (proxy.onmessage) proxy.onmessage(event); };
      real.onerror = function (event) { if (proxy.onerror) proxy.onerror(event); };
    });
    return proxy;
  };
  window.openLiveStream = function () { held.splice(0).forEach(function (open) { open(); }); };
})();
"""


def test_a_message_sent_before_the_live_stream_connects_still_appears(bot, staff_browser):
    from tests.test_console import escalation_of, widget_message

    headers, conversation = widget_message(bot, "I'm on warfarin and pregnant")
    escalation = escalation_of(bot, conversation)
    sign_in(staff_browser, bot.gateway, new_account(bot, "staff", "Dr Lee"))
    hold = staff_browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": HOLD_LIVE_STREAM}
    )
    try:
        staff_browser.get(f"{bot.gateway}/console/escalations/{escalation.id}")
        wait(staff_browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "mark")))
        with httpx.Client(base_url=bot.gateway, timeout=60) as web:
            text = {"text": "my doctor is Dr Okafor"}
            assert web.post("/widget/messages", json=text, headers=headers).status_code == 200
        staff_browser.execute_script("window.openLiveStream()")
        wait(staff_browser).until(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".transcript"), "Dr Okafor")
        )
    finally:
        staff_browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": hold["identifier"]}
        )


def test_two_browsers_claiming_at_once_exactly_one_wins(bot, staff_browser, patient_browser):
    from tests.test_console import escalation_of, widget_message

    _, conversation = widget_message(bot, "I'm on warfarin and pregnant")
    escalation = escalation_of(bot, conversation)
    other = make_driver()
    try:
        for driver, name in ((staff_browser, "Dr A"), (other, "Dr B")):
            sign_in(driver, bot.gateway, new_account(bot, "staff", name))
            driver.get(f"{bot.gateway}/console/escalations/{escalation.id}")
        buttons = [
            wait(d).until(
                ec.element_to_be_clickable((By.XPATH, "//button[starts-with(., 'Claim')]"))
            )
            for d in (staff_browser, other)
        ]
        threads = [threading.Thread(target=button.click) for button in buttons]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        notices = []
        for driver in (staff_browser, other):
            notice = wait(driver).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, ".notice"))
            )
            notices.append(notice.text)
        assert sorted(n.startswith("You have") for n in notices) == [False, True]
        assert any("Someone else claimed it first" in n for n in notices)
    finally:
        quit_driver(other)


def test_the_console_works_on_a_phone(bot, staff_browser):
    staff_browser.set_window_size(390, 844)
    try:
        sign_in(staff_browser, bot.gateway, new_account(bot))
        width = staff_browser.execute_script("return document.documentElement.scrollWidth")
        wide = staff_browser.execute_script(
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
        )
        assert width <= 390 + 1, f"nothing forces sideways scrolling: {wide}"
        assert axe_violations(staff_browser) == []
    finally:
        staff_browser.set_window_size(1280, 900)
