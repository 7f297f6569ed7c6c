"""What every console test does in the browser: sign in, wait for what a person would wait
for, take a screenshot, and make sure no page shows a secret."""

from __future__ import annotations

import time
import unittest
import urllib.parse

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import harness


class ConsoleCase(unittest.TestCase):
    """A test case with `browser` (Chromium) and `daemon` (the one signed in to by default),
    both set up by the subclass."""

    browser = None
    daemon: harness.Daemon

    def sign_in(self, secret: str, daemon: harness.Daemon | None = None) -> None:
        url = (daemon or self.daemon).url
        self.browser.delete_all_cookies()
        self.browser.get(url + "/sign-in")
        if not (harness.SCREENSHOTS / "sign-in.png").exists():
            self.shot("sign-in")
        field = self.browser.find_element(By.ID, "token")
        field.send_keys(secret)
        field.submit()
        WebDriverWait(self.browser, 10).until(lambda b: urllib.parse.urlparse(b.current_url).path == "/")

    def shot(self, name: str) -> None:
        """The whole page, not only the window: the window grows to the page's height first."""
        height = self.browser.execute_script("return document.documentElement.scrollHeight")
        self.browser.set_window_size(1280, max(1000, height))
        self.browser.save_screenshot(str(harness.SCREENSHOTS / f"{name}.png"))
        self.browser.set_window_size(1280, 1000)

    def assert_no_secret(self, *more: str) -> None:
        page = self.browser.page_source
        for secret in [*harness.SECRETS, *more]:
            self.assertNotIn(secret, page, "a page shows a secret")

    def status_value(self, path: str) -> str:
        return self.browser.find_element(By.CSS_SELECTOR, f'[data-status="{path}"]').text

    def wait_for(self, what: str, condition, timeout: float) -> float:
        """Seconds until `condition()` held; fails after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if condition():
                    return time.monotonic() - started
            except StaleElementReferenceException:
                # The page refreshed between finding an element and reading it: look again.
                pass
            time.sleep(0.05)
        try:
            page = self.browser.find_element(By.TAG_NAME, "main").text
        except Exception as error:  # the page itself may be what failed
            page = f"(no page: {error})"
        self.fail(f"not within {timeout} s: {what}\npage:\n{page[:3000]}\nlog:\n{self.daemon.log_text()[-2000:]}")
