"""What the browser tests stand on: the real `contextd run` binary on a data directory of its
own (HTTP on a port the kernel picks), and a real Chromium driven through chromedriver.

Nothing here is mocked: the daemon reads its spool, writes its store, and serves the console the
browser loads; the tests see only what a person at the browser would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("CONTEXTD_SCREENSHOTS", ROOT / ".build" / "browser-screenshots"))

# Secrets of the test's tokens: long enough for the configuration's minimum, and searched for in
# every page the browser sees (no page may reveal one).
READ_SECRET = "read-" + "r" * 40
LEASE_SECRET = "lease-" + "l" * 40
ADMIN_SECRET = "admin-" + "a" * 40
SECRETS = [READ_SECRET, LEASE_SECRET, ADMIN_SECRET]


def binary() -> Path:
    path = Path(os.environ.get("CONTEXTD_BINARY", ROOT / ".build" / "debug" / "contextd"))
    if not path.exists():
        raise RuntimeError(f"no contextd binary at {path}: run `swift build` first or set CONTEXTD_BINARY")
    return path


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fraud_events(prefix: str, subject: str) -> str:
    """A check-in in New York and, 38 minutes later, the card in Paris (the stock fraud rule's
    case), ending a minute ago so the task is due now and not expired."""
    paris = datetime.now(timezone.utc) - timedelta(minutes=1)
    new_york = paris - timedelta(minutes=38)
    lines = [
        {"specversion": "1.0", "id": f"{prefix}-a", "source": "checkins", "type": "location.checkin",
         "subject": subject, "time": rfc3339(new_york),
         "data": {"lat": 40.7128, "lon": -74.006, "city": "New York"}},
        {"specversion": "1.0", "id": f"{prefix}-b", "source": "cards", "type": "card.transaction",
         "subject": subject, "time": rfc3339(paris),
         "data": {"amount": 84.5, "currency": "EUR", "merchant": "Galeries Lafayette", "lat": 48.8566,
                  "lon": 2.3522, "city": "Paris", "card_present": True}},
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


class Daemon:
    """`contextd run` with the stock rules (copied, so a test may break one), tokens of every
    access level, and the fraud queue leased over HTTP (one attempt, one-second leases: a lease
    left to run out dead-letters its task at once)."""

    def __init__(self, database: PostgresDatabase | None = None, node: str = "") -> None:
        """With `database`, a node (`node`) of a cluster on it; without, the embedded SQLite store."""
        self.directory = Path(tempfile.mkdtemp(prefix="contextd-browser-"))
        store = database.node_config(self.directory, node) if database else ""
        self.rules = self.directory / "rules"
        shutil.copytree(ROOT / "rules", self.rules)
        self.spool = self.directory / "spool"
        for folder in ("tmp", "new"):
            (self.spool / folder).mkdir(parents=True)
        tokens = self.directory / "tokens"
        tokens.mkdir()
        for name, secret in (("reader", READ_SECRET), ("crm", LEASE_SECRET), ("operator", ADMIN_SECRET)):
            (tokens / name).write_text(secret + "\n")
        (self.directory / "contextd.yaml").write_text(
            store +
            "rules: ./rules\n"
            "data_dir: ./var\n"
            "inputs:\n"
            "  - name: events\n"
            "    path: ./spool\n"
            "outbox: ./outbox\n"
            "http:\n"
            "  listen: 127.0.0.1:0\n"
            "  assignees: [\"queue:fraud\"]\n"
            "  lease: 1s\n"
            "  max_attempts: 1\n"
            "  tokens:\n"
            "    - {name: reader, token_file: tokens/reader, assignees: [\"\"], access: read}\n"
            "    - {name: crm, token_file: tokens/crm, assignees: [\"\"], access: lease}\n"
            "    - {name: operator, token_file: tokens/operator, assignees: [\"\"], access: admin}\n"
            "reload:\n"
            "  watch: true\n"
            "  debounce: 100ms\n")
        self.log = self.directory / "contextd.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(binary()), "run", "--config", str(self.directory / "contextd.yaml")],
                cwd=self.directory, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = re.search(r"http listening .*port=(\d+)", self.log_text())
            if match:
                self.port = int(match.group(1))
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"contextd exited with {self.process.returncode}:\n{self.log_text()}")
            time.sleep(0.05)
        raise RuntimeError(f"contextd did not listen within 60 s:\n{self.log_text()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def drop(self, name: str, text: str) -> None:
        (self.spool / "tmp" / name).write_text(text)
        os.rename(self.spool / "tmp" / name, self.spool / "new" / name)

    def api(self, method: str, path: str, secret: str, body: dict | None = None) -> tuple[int, dict | str]:
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"Bearer {secret}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def stop(self) -> int:
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class PostgresDatabase:
    """A database of its own on the server of `CONTEXTD_TEST_POSTGRES_URL` (`.ci/run` starts one
    with scripts/dev-postgres), created here and dropped by `drop()`: what several nodes share."""

    def __init__(self) -> None:
        url = os.environ.get("CONTEXTD_TEST_POSTGRES_URL")
        if not url:
            raise RuntimeError("CONTEXTD_TEST_POSTGRES_URL is not set: start a server with scripts/dev-postgres "
                               "and `eval \"$(scripts/dev-postgres env)\"`")
        self.server = url
        parsed = urllib.parse.urlparse(url)
        self.name = "contextd_browser_" + uuid.uuid4().hex[:16]
        self.password = parsed.password or ""
        self.address = f"postgresql://{parsed.username}@{parsed.hostname}:{parsed.port}/{self.name}?sslmode=disable"
        self.sql(f"CREATE DATABASE {self.name}")

    @property
    def secrets(self) -> list[str]:
        """The password, to look for in pages, when it is one no page could hold by chance (the
        throwaway cluster's is random; a developer's server may use a word like `contextd`)."""
        return [self.password] if len(self.password) >= 16 else []

    def sql(self, statement: str) -> None:
        subprocess.run(["psql", self.server, "-v", "ON_ERROR_STOP=1", "-qAtc", statement], check=True,
                       capture_output=True, timeout=60)

    def node_config(self, directory: Path, node: str) -> str:
        """The configuration lines of a node of a cluster on this database: the password in a
        file, as an operator would give it; a 2 s lease, so a node that leaves or dies is
        replaced within seconds."""
        (directory / "store-password").write_text(self.password + "\n")
        return (f"store: {self.address}\n"
                "store_password_file: ./store-password\n"
                "cluster:\n"
                f"  node: {node}\n"
                "  lease: 2s\n")

    def drop(self) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def chromium():
    """Headless Chromium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")),
                            options=options)
