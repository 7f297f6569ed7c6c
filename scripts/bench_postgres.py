"""PostgreSQL for scripts/bench --store postgres: the server, a fresh database per run, and the
profile that explains the difference from SQLite (Python standard library and psql only).

The server is either one given by URL (``--postgres-url``: a role that may CREATE DATABASE) or
a throwaway cluster started here with scripts/dev-postgres in a temporary directory and stopped
at the end. The throwaway cluster also loads ``pg_stat_statements`` and times WAL writes
(``track_wal_io_timing``), so a run can say which statements the daemon's time went to, how
many it sent per group commit, and what the WAL flushes cost; its processes' CPU comes from
/proc. Against a server given by URL, what the role may not read is left out and said.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
SEPARATOR = "\x1f"


class PostgresProblem(Exception):
    """The server could not be started or asked; the benchmark cannot go on with it."""


def psql_binary() -> str:
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"),
                        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parts[-3])])
    if not candidates:
        raise PostgresProblem("no psql found (apt-get install postgresql-client)")
    return str(candidates[-1])


class PostgresServer:
    def __init__(self, url: str | None):
        self.directory: Path | None = None
        self.admin_socket: tuple[str, str] | None = None  # (socket directory, port) of the throwaway cluster
        self.root_cert: Path | None = None
        self.psql = psql_binary()
        self.created: list[str] = []
        if url is None:
            try:
                url = self.start_throwaway()
            except BaseException:
                self.stop()  # a cluster half set up does not outlive the failure
                raise
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.username or not parts.hostname:
            raise PostgresProblem(f"--postgres-url: expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DB, found "
                                  f"{url.split('@')[-1]}")
        self.user = unquote(parts.username)
        self.password = unquote(parts.password) if parts.password else None
        self.host = parts.hostname
        self.port = parts.port or 5432
        self.database = unquote(parts.path.lstrip("/")) or "postgres"
        self.query = parts.query
        self.profiling = self.enable_statements()

    @property
    def location(self) -> str:
        kind = "a throwaway cluster (scripts/dev-postgres)" if self.directory else "the server of --postgres-url"
        return f"{kind} at {self.host}:{self.port}, {self.version()}"

    # -- the throwaway cluster ------------------------------------------------------------------

    def start_throwaway(self) -> str:
        self.directory = Path(tempfile.mkdtemp(prefix="contextd-bench-postgres-"))
        url = self.dev_postgres("start").strip().splitlines()[-1]
        data = self.directory / "data"
        settings = ("\n# scripts/bench: the profile\n"
                    "shared_preload_libraries = 'pg_stat_statements'\n"
                    "pg_stat_statements.track = all\n"
                    "pg_stat_statements.track_utility = on\n"
                    "track_io_timing = on\n"
                    "track_wal_io_timing = on\n")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(settings)
        self.dev_postgres("stop")
        url = self.dev_postgres("start").strip().splitlines()[-1]
        self.admin_socket = (str(self.directory / "socket"), (self.directory / "port").read_text().strip())
        self.root_cert = self.directory / "tls" / "ca.crt"
        return url

    def dev_postgres(self, command: str) -> str:
        done = subprocess.run([str(ROOT / "scripts" / "dev-postgres"), command], capture_output=True, text=True,
                              env={**os.environ, "CONTEXTD_DEV_POSTGRES_DIR": str(self.directory)}, timeout=180)
        if done.returncode != 0:
            raise PostgresProblem(f"scripts/dev-postgres {command} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def stop(self) -> None:
        for name in list(self.created):
            try:
                self.drop_database(name)
            except PostgresProblem:
                pass
        if self.directory is not None:
            try:
                self.dev_postgres("stop")
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = None

    # -- SQL ------------------------------------------------------------------------------------

    def sql(self, query: str, database: str | None = None, admin: bool = False) -> list[list[str]]:
        """Runs `query` with psql; returns the rows' fields. `admin` runs it as the throwaway
        cluster's superuser (over its socket), or as the URL's role on another server."""
        database = database or self.database
        env = dict(os.environ)
        if admin and self.admin_socket is not None:
            socket, port = self.admin_socket
            command = [self.psql, "-h", socket, "-p", port, "-d", database]
            if os.geteuid() == 0:
                command = ["runuser", "-u", "postgres", "--"] + command
        else:
            command = [self.psql, self.conninfo(database)]
            if self.password is not None:
                env["PGPASSWORD"] = self.password
        command += ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", SEPARATOR, "-c", query]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        if done.returncode != 0:
            raise PostgresProblem(f"psql: {done.stderr.strip()[-1000:]} (query: {query[:200]})")
        return [line.split(SEPARATOR) for line in done.stdout.splitlines() if line]

    def conninfo(self, database: str) -> str:
        """A libpq URL without the password (psql reads that from PGPASSWORD)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{quote(self.user, safe='')}@{host}:{self.port}/{quote(database, safe='')}" + (
            f"?{self.query}" if self.query else "")

    def version(self) -> str:
        try:
            return "PostgreSQL " + self.sql("SHOW server_version")[0][0]
        except (PostgresProblem, IndexError):
            return "PostgreSQL (version unknown)"

    # -- databases ------------------------------------------------------------------------------

    def create_database(self, name: str) -> None:
        """A fresh database owned by the URL's role, so the daemon migrates it."""
        self.drop_database(name)
        self.sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)

    def drop_database(self, name: str) -> None:
        """Drops `name` whoever is connected: as the throwaway cluster's superuser, whom `WITH
        (FORCE)` lets end an autovacuum worker busy in it (after a run's writes), which the URL's
        role may not; on another server, a drop that met one is tried again for up to 30 s."""
        deadline = time.monotonic() + 30
        while True:
            try:
                self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin=True)
                break
            except PostgresProblem as problem:
                if "whose process is being terminated" not in str(problem) or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        if name in self.created:
            self.created.remove(name)

    def store_url(self, database: str) -> str:
        """The daemon's `store:` for `database`; the password goes in `store_password_file`.
        With the throwaway cluster, TLS with verify-full against its CA, as a deployment would."""
        url = self.conninfo(database)
        if self.root_cert is not None and "sslmode" not in self.query:
            url += ("&" if "?" in url else "?") + f"sslmode=verify-full&sslrootcert={self.root_cert}"
        return url

    # -- the profile ----------------------------------------------------------------------------

    def enable_statements(self) -> bool:
        try:
            self.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database="postgres", admin=True)
            self.sql("SELECT count(*) FROM pg_stat_statements", database="postgres", admin=True)
            return True
        except PostgresProblem:
            return False

    def reset_profile(self) -> None:
        if not self.profiling:
            return
        self.sql("SELECT pg_stat_statements_reset()", database="postgres", admin=True)
        self.sql("SELECT pg_stat_reset_shared('wal')", database="postgres", admin=True)

    def statements(self, database: str, limit: int = 12) -> list[dict]:
        """The top statements of `database` since the last reset, by total execution time."""
        if not self.profiling:
            return []
        rows = self.sql(f"""
            SELECT s.calls, s.total_exec_time, s.rows, regexp_replace(s.query, '\\s+', ' ', 'g')
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = '{database}'
            ORDER BY s.total_exec_time DESC""", database="postgres", admin=True)
        statements = [{"calls": int(r[0]), "ms": float(r[1]), "rows": int(r[2]), "query": r[3]} for r in rows]
        total_ms = sum(s["ms"] for s in statements)
        total_calls = sum(s["calls"] for s in statements)
        top = statements[:limit]
        rest = statements[limit:]
        if rest:
            top.append({"calls": sum(s["calls"] for s in rest), "ms": sum(s["ms"] for s in rest),
                        "rows": sum(s["rows"] for s in rest), "query": f"({len(rest)} other statements)"})
        for statement in top:
            statement["share"] = statement["ms"] / total_ms if total_ms else 0.0
        return [{"total_ms": total_ms, "total_calls": total_calls}] + top

    def wal(self) -> dict[str, float]:
        """The cluster's WAL figures since the last reset: records, bytes, flushes and their time."""
        if not self.profiling:
            return {}
        row = self.sql("SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_write_time, wal_sync_time "
                       "FROM pg_stat_wal", database="postgres", admin=True)[0]
        names = ["records", "bytes", "writes", "syncs", "write_ms", "sync_ms"]
        return {name: float(value) for name, value in zip(names, row)}

    def processes(self, database: str | None = None) -> dict[int, float]:
        """CPU seconds (user + system) of each process of the throwaway cluster; for another
        server, of the backends serving `database` when the server is on this machine; {}
        otherwise."""
        if self.directory is None:
            return self.backends(database) if database else {}
        try:
            postmaster = int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return {}
        seconds = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            stat = process_stat(int(entry.name))
            if stat and (int(entry.name) == postmaster or stat["ppid"] == postmaster):
                seconds[int(entry.name)] = stat["cpu"]
        return seconds

    def backends(self, database: str) -> dict[int, float]:
        """CPU seconds of the server processes serving `database` now (pg_stat_activity), read
        from /proc: only for a server on this machine, whose process ids are this machine's."""
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            return {}
        try:
            pids = [int(row[0]) for row in self.sql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'")]
        except PostgresProblem:
            return {}
        stats = {pid: process_stat(pid) for pid in pids}
        return {pid: stat["cpu"] for pid, stat in stats.items() if stat and stat["name"].startswith("postgres")}


def process_stat(pid: int, thread: int | None = None) -> dict | None:
    """ppid, name and CPU seconds (user + system) of a process, or of one of its threads."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        with open(path) as stat:
            text = stat.read()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return {"ppid": int(fields[1]), "name": name, "user": int(fields[11]) / TICKS, "system": int(fields[12]) / TICKS,
            "cpu": (int(fields[11]) + int(fields[12])) / TICKS}


def threads(pid: int) -> dict[str, float]:
    """CPU seconds of a process's threads, summed by thread name with digits folded
    (`NIO-ELT-0-#3` and `NIO-ELT-0-#4` count together)."""
    totals: dict[str, float] = {}
    try:
        tids = [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return totals
    for tid in tids:
        stat = process_stat(pid, tid)
        if stat:
            name = thread_kind(stat["name"])
            totals[name] = totals.get(name, 0.0) + stat["cpu"]
    return totals


def thread_kind(name: str) -> str:
    """A thread's name as /proc shows it (15 characters at most), made readable: Dispatch's
    cooperative workers (`com.apple.root.default-qos`: Swift tasks, the daemon's loop among
    them), its overcommit workers (`….default-qos.overcommit`: serial queues, the store's
    writer among them), SwiftNIO's event loops (postgres-nio's connections, the HTTP API)."""
    if name.endswith("default-qos"):
        return "tasks (loop)"
    if name.endswith("qos.overcommit"):
        return "serial queues (writer)"
    if name.startswith("NIO-ELT"):
        return "NIO event loops"
    if name.startswith("NIO-SGLTN"):
        return "NIO singleton loops"
    return re.sub(r"\d+", "N", name)


def grown(before: dict, after: dict) -> float:
    """How much a set of CPU counters grew: processes that started in between count whole."""
    return sum(value - before.get(key, 0.0) for key, value in after.items())
