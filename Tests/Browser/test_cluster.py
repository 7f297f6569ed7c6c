"""The console's Cluster page in a real browser (issue 20): real nodes on one real PostgreSQL,
what an operator sees when a node leaves and when a node comes up with other rules."""

from __future__ import annotations

import json
import unittest

from selenium.webdriver.common.by import By

import harness
from console_case import ConsoleCase


class ClusterPageTests(ConsoleCase):
    database: harness.PostgresDatabase
    nodes: dict[str, harness.Daemon]

    @classmethod
    def setUpClass(cls) -> None:
        harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        cls.database = harness.PostgresDatabase()
        cls.nodes = {}
        for name in ("node-a", "node-b"):
            cls.nodes[name] = harness.Daemon(cls.database, node=name)
            cls.nodes[name].start()
        cls.daemon = cls.nodes["node-a"]
        cls.browser = harness.chromium()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.quit()
        problems = []
        for name, node in cls.nodes.items():
            code = node.stop()
            if code != 0:
                problems.append(f"{name} exited with {code}:\n{node.log_text()[-3000:]}")
            node.remove()
        cls.database.drop()
        if problems:
            raise AssertionError("\n".join(problems))

    # -- reading the page ----------------------------------------------------------------------

    def rows(self, table: str) -> list[list[str]]:
        """The cells' texts of each row of `#table`'s body, the row header first: read in one
        script, so that the page's redraw (every second) cannot change it halfway."""
        return self.browser.execute_script(
            "return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))"
            ".map(function (tr) { return Array.from(tr.children).map(function (c) { return c.textContent; }); });",
            table)

    def node_row(self, node: str) -> list[str]:
        return next((row for row in self.rows("nodes") if row[0] == node), [])

    def marked(self, table: str, first_cell: str) -> bool:
        """Whether the row that begins with `first_cell` is marked for an operator's eye."""
        return self.browser.execute_script(
            "var first = arguments[1];"
            "return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))"
            ".some(function (tr) { return tr.children[0].textContent === first && tr.classList.contains('problem'); });",
            table, first_cell)

    def owners(self) -> set[str]:
        return {row[1] for row in self.rows("partitions")}

    # -- the test ------------------------------------------------------------------------------

    def test_the_cluster_page_follows_nodes_leaving_and_rules_that_differ(self) -> None:
        node_a, node_b = self.nodes["node-a"], self.nodes["node-b"]
        for index in range(3):
            node_a.drop(f"a-{index}.jsonl", harness.fraud_events(f"a{index}", f"cust-a{index}"))
            node_b.drop(f"b-{index}.jsonl", harness.fraud_events(f"b{index}", f"cust-b{index}"))
        self.sign_in(harness.READ_SECRET)
        self.browser.get(node_a.url + "/cluster")
        self.assertIn("Cluster", self.browser.title)

        # Both nodes live, every partition owned by one of them, the events in the log.
        self.wait_for("two live nodes share every partition and the log holds the events", lambda: (
            [row[1] for row in self.rows("nodes")] == ["live", "live"]
            and len(self.rows("partitions")) == 64 and self.owners() == {"node-a", "node-b"}
            and int(self.status_value("cluster.head")) >= 12), timeout=30)
        self.assertEqual(self.status_value("cluster.node"), "node-a")
        rules = self.status_value("cluster.rules")
        self.assertEqual(self.status_value("cluster.cluster_rules"), rules)
        for row in self.rows("nodes"):
            self.assertEqual(row[3], rules, "a node runs the cluster's rules")
            self.assertFalse(self.marked("nodes", row[0]))
        self.wait_for("the partitions applied the whole log", lambda: (
            self.status_value("cluster.watermark") == self.status_value("cluster.head")
            and all(row[4] == "0" for row in self.rows("partitions"))), timeout=30)
        summary = self.browser.find_element(By.CSS_SELECTOR, '[data-status-list="cluster.partition_summary"]').text
        self.assertEqual(summary, "64 partitions · unowned: none · most behind: none")
        # What the page shows is what /v1/status says, partition by partition.
        status, report = node_a.api("GET", "/v1/status", harness.READ_SECRET)
        self.assertEqual(status, 200, report)
        self.assertEqual(self.rows("partitions"), [
            [str(p["partition"]), p["owner"], str(p["epoch"]), str(p["applied"]), str(p["lag"])]
            for p in report["cluster"]["partitions"]])
        owned = {row[0]: int(row[6]) for row in self.rows("nodes")}
        self.assertEqual(sum(owned.values()), 64, owned)
        self.assertTrue(all(count > 0 for count in owned.values()), owned)
        self.assert_no_secret(*self.database.secrets)
        self.shot("cluster")

        # node-b leaves: the page, without a reload, shows it gone and node-a owning everything.
        self.browser.execute_script("window.notReloaded = true")
        self.assertEqual(node_b.stop(), 0, node_b.log_text()[-2000:])
        seconds = self.wait_for("node-b shows as gone and node-a owns every partition", lambda: (
            self.node_row("node-b")[1:2] == ["gone"] and self.owners() == {"node-a"}
            and self.node_row("node-a")[6] == "64"), timeout=30)
        self.assertTrue(self.browser.execute_script("return window.notReloaded === true"), "the page was reloaded")
        self.assertTrue(self.marked("nodes", "node-b"), "a gone node is marked")
        print(f"\n  the page showed node-b gone and its partitions taken {seconds:.1f} s after it stopped", flush=True)
        self.shot("cluster-node-gone")

        # node-c comes up with a rule changed: it is marked as running other rules, holds nothing,
        # and its own page says why.
        node_c = harness.Daemon(self.database, node="node-c")
        self.nodes["node-c"] = node_c
        rent = node_c.rules / "rent.yaml"
        rent.write_text(rent.read_text().replace(
            "The projected balance will not cover a rent payment due within 5 days.",
            "The projected balance will not cover a rent payment due within 5 days (wording under review)."))
        node_c.start()
        self.wait_for("node-c shows with rules that differ, holding nothing", lambda: (
            self.node_row("node-c")[1:2] == ["live"] and self.node_row("node-c")[3].endswith(" (differs)")
            and self.node_row("node-c")[6] == "0"), timeout=30)
        self.assertTrue(self.marked("nodes", "node-c"), "a node with other rules is marked")
        self.assertEqual(self.owners(), {"node-a"})
        self.shot("cluster-rules-differ")
        self.sign_in(harness.READ_SECRET, node_c)
        self.browser.get(node_c.url + "/cluster")
        refusal = self.browser.find_element(By.CSS_SELECTOR, '[data-status-list="cluster.refusal"]')
        self.wait_for("node-c's page says why it holds no partition", lambda: "rules differ" in refusal.text, timeout=10)
        self.assertNotEqual(self.status_value("cluster.rules"), self.status_value("cluster.cluster_rules"))
        self.assert_no_secret(*self.database.secrets)
        self.shot("cluster-node-c")

        # The same in JSON, for a script.
        status, report = node_c.api("GET", "/v1/status", harness.READ_SECRET)
        self.assertEqual(status, 200, report)
        self.assertIn("rules differ", report["cluster"]["refusal"], json.dumps(report["cluster"])[:500])


if __name__ == "__main__":
    unittest.main()
