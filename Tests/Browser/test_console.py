"""The operations console in a real browser (issue 18): what a person at Chromium sees, with the
real daemon behind it. Each test saves a screenshot of the page it checks for review."""

from __future__ import annotations

import json
import time
import unittest
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import harness
from console_case import ConsoleCase


class ConsoleTests(ConsoleCase):
    daemon: harness.Daemon

    @classmethod
    def setUpClass(cls) -> None:
        harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        cls.daemon = harness.Daemon()
        cls.daemon.start()
        cls.browser = harness.chromium()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.quit()
        code = cls.daemon.stop()
        log = cls.daemon.log_text()
        cls.daemon.remove()
        if code != 0:
            raise AssertionError(f"the daemon exited with {code}:\n{log[-3000:]}")

    # -- the tests ---------------------------------------------------------------------------

    def test_the_overview_loads_with_the_status(self) -> None:
        self.sign_in(harness.READ_SECRET)
        self.assertIn("Overview", self.browser.title)
        for heading in ("h-rules", "h-events", "h-store"):
            self.assertTrue(self.browser.find_element(By.ID, heading).is_displayed(), heading)
        self.assertEqual(self.status_value("rules.count"), str(len(json.loads(self.status_json())["rules"]["rules"])))
        self.assertIn("reader", self.browser.find_element(By.TAG_NAME, "body").text)
        self.assert_no_secret()
        self.shot("overview")

    def status_json(self) -> str:
        status, body = self.daemon.api("GET", "/v1/status", harness.READ_SECRET)
        self.assertEqual(status, 200, body)
        return json.dumps(body)

    def test_a_dropped_file_shows_its_task_within_two_seconds_without_a_reload(self) -> None:
        self.sign_in(harness.READ_SECRET)
        self.browser.get(self.daemon.url + "/tasks")
        queued = int(self.daemon_status()["tasks"]["queued"])
        self.browser.execute_script("window.notReloaded = true")
        self.daemon.drop("live.jsonl", harness.fraud_events("live", "cust-live"))
        dropped = time.monotonic()
        rows = "table.tasks tbody tr"
        self.wait_for("the task's row shows on the Tasks page", lambda: any(
            "cust-live" in row.text and "Possible card fraud" in row.text
            for row in self.browser.find_elements(By.CSS_SELECTOR, rows)), timeout=2.0)
        seconds = time.monotonic() - dropped
        self.assertTrue(self.browser.execute_script("return window.notReloaded === true"), "the page was reloaded")
        print(f"\n  the task showed on /tasks {seconds:.2f} s after the drop", flush=True)
        self.shot("tasks-live")
        # The overview's numbers follow too, without a reload.
        self.browser.get(self.daemon.url + "/")
        self.wait_for("the overview counts the queued task", lambda: int(self.status_value("tasks.queued")) > queued
                      or int(self.status_value("tasks.leased")) > 0, timeout=2.0)

    def daemon_status(self) -> dict:
        status, body = self.daemon.api("GET", "/v1/status", harness.READ_SECRET)
        self.assertEqual(status, 200, body)
        return body

    def test_a_tasks_explanation_opens_from_the_list(self) -> None:
        self.daemon.drop("explain.jsonl", harness.fraud_events("explain", "cust-explain"))
        self.sign_in(harness.READ_SECRET)
        self.wait_for("the task is listed", lambda: (
            self.browser.get(self.daemon.url + "/tasks?subject=cust-explain")
            or bool(self.browser.find_elements(By.CSS_SELECTOR, "table.tasks tbody tr"))), timeout=10)
        self.browser.find_element(By.CSS_SELECTOR, "table.tasks tbody tr a[aria-label^='Task ']").click()
        self.assertIn("Possible card fraud", self.browser.find_element(By.TAG_NAME, "main").text)
        self.browser.find_element(By.PARTIAL_LINK_TEXT, "Explain").click()
        explanation = WebDriverWait(self.browser, 10).until(
            lambda b: b.find_element(By.CSS_SELECTOR, "pre.explain")).text
        self.assertIn("location-mismatch-fraud", explanation)
        self.assertIn("cust-explain", explanation)
        self.shot("task-explained")
        self.browser.find_element(By.LINK_TEXT, "cust-explain").click()
        self.assertIn("cust-explain", self.browser.title)
        self.shot("subject")
        self.assert_no_secret()

    def test_a_broken_rule_edit_shows_its_error_with_the_line(self) -> None:
        self.sign_in(harness.READ_SECRET)
        broken = self.daemon.rules / "broken.yaml"
        broken.write_text("rules:\n  - id: broken-rule\n    on: [card.transaction]\n    when: amount >\n")
        try:
            errors = '[data-status-list="rules.last_reload.errors"] li'
            self.wait_for("the reload error shows", lambda: any(
                "broken.yaml:4:" in item.text for item in self.browser.find_elements(By.CSS_SELECTOR, errors)),
                timeout=10)
            self.assertEqual(self.status_value("rules.last_reload.ok"), "no")
            self.shot("overview-reload-error")
            # The Rules page shows the error in the file's listing, at its line.
            self.browser.get(self.daemon.url + "/rules")
            self.assertIn("broken.yaml", self.browser.page_source)
            self.assertIn("unknown identifier 'amount'", self.browser.find_element(By.TAG_NAME, "main").text)
            self.shot("rules-reload-error")
        finally:
            broken.unlink()
        self.wait_for("the rules reload again", lambda: self.daemon_status()["rules"]["last_reload"]["ok"], timeout=10)

    def dead_letter(self, subject: str) -> str:
        """A fraud task leased once and never acked: with one attempt and one-second leases it
        is a dead letter a second later. Returns its id."""
        self.daemon.drop(f"{subject}.jsonl", harness.fraud_events(subject, subject))
        leased: list = []

        def lease() -> bool:
            status, body = self.daemon.api("GET", "/v1/tasks?assignee=queue:fraud&limit=10", harness.LEASE_SECRET)
            self.assertEqual(status, 200, body)
            leased.extend(item["task"] for item in body["tasks"] if item["task"]["subject"] == subject)
            return bool(leased)

        self.wait_for("the task is leased", lease, timeout=10)
        time.sleep(1.2)  # the one-second lease runs out on the daemon's wall clock
        return leased[0]["id"]

    def test_a_dead_letter_is_requeued_by_an_admin_and_refused_to_a_reader(self) -> None:
        task = self.dead_letter("cust-dead")
        self.sign_in(harness.READ_SECRET)
        self.browser.get(self.daemon.url + "/dead-letters")
        self.assertIn(task, self.browser.page_source)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "form[action='/dead-letters/requeue']"), [],
                         "a reader is offered Requeue")
        self.shot("dead-letters-reader")
        # The reader's session has a CSRF token (the sign-out form's); a forged requeue with it is 403.
        csrf = self.browser.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
        status = self.browser.execute_script("""
            const body = new URLSearchParams({csrf: arguments[0], task: arguments[1]});
            return fetch('/dead-letters/requeue', {method: 'POST', body}).then(r => r.status);""", csrf, task)
        self.assertEqual(status, 403)
        status, body = self.daemon.api("POST", f"/v1/tasks/{urllib.parse.quote(task, safe='')}/requeue",
                                       harness.READ_SECRET)
        self.assertEqual(status, 403, body)

        self.sign_in(harness.ADMIN_SECRET)
        self.browser.get(self.daemon.url + "/dead-letters")
        self.shot("dead-letters-admin")
        self.browser.find_element(By.CSS_SELECTOR, f"button[aria-label='Requeue {task}']").click()
        WebDriverWait(self.browser, 10).until(lambda b: "requeued=" in b.current_url)
        self.assertIn(f"Requeued {task}.", self.browser.find_element(By.TAG_NAME, "body").text)
        self.wait_for("the requeue is logged with the token's name", lambda: any(
            "admin action" in line and "token=operator" in line and task in line
            for line in self.daemon.log_text().splitlines()), timeout=5)
        self.assert_no_secret()

    def test_rejected_input_shows_reasons_and_raw_lines_only_to_an_admin(self) -> None:
        self.daemon.drop("broken-input.jsonl", '{"specversion": "1.0", "id": "x"\nnot json at all\n')
        self.sign_in(harness.READ_SECRET)
        self.wait_for("the rejected file is listed", lambda: (
            self.browser.get(self.daemon.url + "/rejected") or "broken-input.jsonl" in self.browser.page_source),
            timeout=10)
        self.assertNotIn("not json at all", self.browser.page_source, "a reader sees raw lines")
        self.shot("rejected-reader")

    def test_the_console_is_usable_from_the_keyboard(self) -> None:
        from selenium.webdriver.common.keys import Keys
        self.sign_in(harness.READ_SECRET)
        self.browser.get(self.daemon.url + "/tasks")
        body = self.browser.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        focused = self.browser.switch_to.active_element
        self.assertEqual(focused.text, "Skip to content", "the first Tab reaches the skip link")
        focused.send_keys(Keys.ENTER)
        self.assertTrue(self.browser.current_url.endswith("#main"))
        # Tabbing on reaches every nav link and the filter form's fields, in the page's order.
        reached = []
        for _ in range(30):
            self.browser.switch_to.active_element.send_keys(Keys.TAB)
            element = self.browser.switch_to.active_element
            reached.append(element.get_attribute("name") or element.text)
        for name in ("rule", "subject", "assignee", "state", "Filter"):
            self.assertIn(name, reached, f"Tab never reached {name!r}: {reached}")
        outline = self.browser.execute_script(
            "return getComputedStyle(document.activeElement).outlineStyle")
        self.assertNotEqual(outline, "none", "the focused element shows no outline")

    def test_the_console_follows_the_systems_color_scheme(self) -> None:
        self.sign_in(harness.READ_SECRET)
        backgrounds = {}
        for scheme in ("light", "dark"):
            self.browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
                "media": "", "features": [{"name": "prefers-color-scheme", "value": scheme}]})
            self.browser.get(self.daemon.url + "/")
            backgrounds[scheme] = self.browser.execute_script("return getComputedStyle(document.body).backgroundColor")
            self.shot(f"overview-{scheme}")
        self.browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
        self.assertNotEqual(backgrounds["light"], backgrounds["dark"], backgrounds)

    def test_the_cluster_page_of_a_daemon_alone_says_it_runs_alone(self) -> None:
        self.sign_in(harness.READ_SECRET)
        self.browser.find_element(By.LINK_TEXT, "Cluster").click()
        self.assertIn("Cluster", self.browser.title)
        main = self.browser.find_element(By.TAG_NAME, "main").text
        self.assertIn("This daemon runs alone", main)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "#nodes, #partitions"), [])
        self.shot("cluster-alone")

    def test_unknown_pages_are_404_in_the_console_style_and_names_are_text(self) -> None:
        self.sign_in(harness.READ_SECRET)
        self.browser.get(self.daemon.url + "/no-such-page?q=<script>alert(1)</script>")
        self.assertIn("not found", self.browser.title.lower())
        self.assertTrue(self.browser.find_elements(By.TAG_NAME, "nav"), "the 404 page has the console's navigation")
        self.shot("not-found")
        self.assert_no_secret()


if __name__ == "__main__":
    unittest.main()
