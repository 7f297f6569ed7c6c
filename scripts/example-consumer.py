#!/usr/bin/env python3
"""An example CRM consumer for contextd's HTTP lease API (docs/consuming.md).

It leases due tasks for one assignee prefix, hands each to `act()` (replace it with the call
into your CRM), and acks each with the outcome `act()` returns. A task whose handling fails
is released, so another poller (or this one, later) gets it; after `max_attempts` leases
contextd dead-letters it for an operator. Only the Python standard library is used.

    CONTEXTD_URL=http://127.0.0.1:8470 CONTEXTD_TOKEN=... \
        python3 scripts/example-consumer.py --assignee queue:fraud

`--once` stops after the first empty long poll (used by contextd's own tests).
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def call(method, url, token, body=None):
    """One request; returns (status, JSON body). Errors come back as JSON too; when contextd
    cannot be reached or answers something that is not JSON, the status is 0 (back off)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.load(error)
        except ValueError:
            return error.code, {"error": {"code": "not_json", "message": error.reason}}
    except (OSError, ValueError) as error:  # URLError (refused, timed out) is an OSError
        return 0, {"error": {"code": "unreachable", "message": str(error)}}


def act(task):
    """Do the task in your CRM. Return (outcome, note): outcome is "done", "accepted" or
    "rejected". Raise to give the task back (it is released and handed out again)."""
    print(f"{task['priority']:5.1f} {task['assignee']:<16} {task['what']}", flush=True)
    return "accepted", "created as CRM activity"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("CONTEXTD_URL", "http://127.0.0.1:8470"))
    parser.add_argument("--token", default=os.environ.get("CONTEXTD_TOKEN"))
    parser.add_argument("--assignee", default="", help="assignee prefix, e.g. queue:fraud")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--wait", type=int, default=30, help="long-poll seconds")
    parser.add_argument("--once", action="store_true", help="stop after the first empty poll")
    args = parser.parse_args()

    query = f"assignee={urllib.parse.quote(args.assignee)}&limit={args.limit}&wait={args.wait}"
    while True:
        status, body = call("GET", f"{args.url}/v1/tasks?{query}", args.token)
        if status != 200:
            # 401/403: fix the token or the prefix; anything else: back off and try again.
            print(f"lease failed: {status} {body}", file=sys.stderr)
            if status in (401, 403):
                return 1
            time.sleep(5)
            continue
        if not body["tasks"] and args.once:
            return 0
        for item in body["tasks"]:
            task, lease = item["task"], item["lease"]
            url = f"{args.url}/v1/tasks/{task['id']}"
            try:
                outcome, note = act(task)
            except Exception as error:  # give it back at once rather than wait for the lease
                print(f"{task['id']}: {error}; releasing", file=sys.stderr)
                call("POST", url + "/release", args.token, {"lease": lease["id"]})
                continue
            status, body = call("POST", url + "/ack", args.token,
                                {"outcome": outcome, "note": note, "lease": lease["id"]})
            if status == 409:
                # The lease ran out before the ack (lease_expired) or another poller holds the
                # task now (lease_mismatch): make act() idempotent, the task comes round again.
                print(f"{task['id']}: {body['error']['code']}", file=sys.stderr)
            elif status != 200:
                print(f"{task['id']}: ack failed: {status} {body}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
