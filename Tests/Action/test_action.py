"""The GitHub Action's entry script (scripts/action/amlauth_action.py) run as the runner would,
with a fake GITHUB_* environment, amlauth against the quickstart's local cloud (no credentials),
and a stand-in for GitHub's issue-comments API on 127.0.0.1 (port 0) that records every request.

Run by scripts/action-test.sh (part of scripts/test.sh); needs the amlauth binary in AMLAUTH_BIN.
Standard library only: unittest, http.server.
"""

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "action", "amlauth_action.py")
AMLAUTH = os.environ.get("AMLAUTH_BIN", os.path.join(ROOT, ".build", "debug", "amlauth"))
REPOSITORY = "contoso/ml-auth"
TOKEN = "ghs_standin_token"


class CommentsAPI(http.server.ThreadingHTTPServer):
    """Issue comments as GitHub's REST API serves them, in memory."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CommentsHandler)
        self.comments = {}  # id -> {"id", "issue", "body"}
        self.requests = []  # (method, path, authorization, body)
        self.next_id = 1000
        self.refuse_writes = False
        self.lock = threading.Lock()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, issue, body):
        with self.lock:
            self.next_id += 1
            self.comments[self.next_id] = {"id": self.next_id, "issue": issue, "body": body}
            return self.next_id


class CommentsHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *arguments):  # quiet
        pass

    def reply(self, status, value):
        data = json.dumps(value).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        server = self.server
        server.requests.append((method, self.path, self.headers.get("Authorization"), body))
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        prefix = ["repos"] + REPOSITORY.split("/") + ["issues"]
        if parts[:4] != prefix:
            return self.reply(404, {"message": "Not Found"})
        if method in ("POST", "PATCH") and server.refuse_writes:
            return self.reply(403, {"message": "Resource not accessible by integration"})
        if len(parts) == 6 and parts[5] == "comments" and method == "GET":
            issue = int(parts[4])
            page = int(dict(p.split("=") for p in self.path.split("?")[1].split("&")).get("page", "1"))
            found = [c for c in sorted(server.comments.values(), key=lambda c: c["id"]) if c["issue"] == issue]
            return self.reply(200, found[(page - 1) * 100 : page * 100])
        if len(parts) == 6 and parts[5] == "comments" and method == "POST":
            identifier = server.add(int(parts[4]), body["body"])
            return self.reply(201, server.comments[identifier])
        if len(parts) == 6 and parts[4] == "comments" and method == "PATCH":
            comment = server.comments.get(int(parts[5]))
            if comment is None:
                return self.reply(404, {"message": "Not Found"})
            comment["body"] = body["body"]
            return self.reply(200, comment)
        return self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")


class ActionTests(unittest.TestCase):
    def setUp(self):
        self.workspace = tempfile.mkdtemp(prefix="amlauth-action-")
        # The manifests only: a checkout has no local-cloud state or delivered secrets (the README's
        # first command leaves both beside the quickstart).
        shutil.copytree(os.path.join(ROOT, "examples", "quickstart"), os.path.join(self.workspace, "auth"),
                        ignore=shutil.ignore_patterns(".amlauth", ".secrets"))
        self.api = CommentsAPI()
        threading.Thread(target=self.api.serve_forever, daemon=True).start()
        self.event = os.path.join(self.workspace, "event.json")
        with open(self.event, "w", encoding="utf-8") as handle:
            json.dump({"number": 7, "pull_request": {"number": 7}}, handle)

    def tearDown(self):
        self.api.shutdown()
        self.api.server_close()
        shutil.rmtree(self.workspace, ignore_errors=True)

    def run_action(self, event_name="pull_request", ref="refs/pull/7/merge", **inputs):
        """Runs the entry script in the workspace; returns (exit code, outputs, summary, log)."""
        output = os.path.join(self.workspace, "output.txt")
        summary = os.path.join(self.workspace, "summary.md")
        for path in (output, summary):
            open(path, "w").close()
        # Only what a runner sets: no AZURE_* or ACTIONS_ID_TOKEN_* leaks in from the machine.
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.workspace,
            "AMLAUTH": AMLAUTH,
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": self.event,
            "GITHUB_REF": ref,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_API_URL": self.api.base,
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_OUTPUT": output,
            "GITHUB_STEP_SUMMARY": summary,
            "GITHUB_TOKEN": TOKEN,
            "INPUT_DIRECTORY": "auth",
        }
        environment.update({"INPUT_" + key.upper(): value for key, value in inputs.items()})
        completed = subprocess.run(
            [sys.executable, SCRIPT], cwd=self.workspace, env=environment, capture_output=True, text=True,
            timeout=600)
        with open(output, encoding="utf-8") as handle:
            outputs = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
        with open(summary, encoding="utf-8") as handle:
            summary_text = handle.read()
        return completed.returncode, outputs, summary_text, completed.stdout + completed.stderr

    def plan_comments(self):
        return [c for c in self.api.comments.values() if "<!-- amlauth-plan:auth -->" in c["body"]]

    def test_plan_comments_once_then_updates_in_place_and_apply_converges(self):
        unrelated = self.api.add(7, "LGTM")
        code, outputs, summary, log = self.run_action()
        self.assertEqual(code, 0, log)
        self.assertEqual(outputs["mode"], "plan")
        self.assertEqual(outputs["exitcode"], "2")
        self.assertEqual(outputs["has-changes"], "true")
        self.assertEqual(outputs["plan-file"], "amlauth-plan.json")
        self.assertTrue(os.path.exists(os.path.join(self.workspace, "amlauth-plan.json")))
        self.assertIn("ServicePrincipal/ml-auth", summary)  # amlauth plan writes the step summary itself
        comments = self.plan_comments()
        self.assertEqual(len(comments), 1)
        body = comments[0]["body"]
        self.assertTrue(body.startswith("<!-- amlauth-plan:auth -->\n### amlauth plan for `auth`: changes"), body)
        self.assertIn("ServicePrincipal/ml-auth", body)
        self.assertIn("https://github.example/contoso/ml-auth/actions/runs/4242", body)
        self.assertEqual(outputs["comment-id"], str(comments[0]["id"]))
        methods = [(m, p.split("?")[0]) for m, p, _, _ in self.api.requests]
        self.assertEqual(
            methods,
            [("GET", f"/repos/{REPOSITORY}/issues/7/comments"), ("POST", f"/repos/{REPOSITORY}/issues/7/comments")])
        self.assertTrue(all(auth == f"Bearer {TOKEN}" for _, _, auth, _ in self.api.requests))
        self.assertNotIn(TOKEN, log)

        # The same pull request planned again: the comment is edited, not duplicated.
        self.api.requests.clear()
        code, outputs, _, log = self.run_action()
        self.assertEqual(code, 0, log)
        self.assertEqual([m for m, _, _, _ in self.api.requests], ["GET", "PATCH"])
        self.assertEqual(len(self.plan_comments()), 1)
        self.assertEqual(outputs["comment-id"], str(comments[0]["id"]))
        self.assertEqual(self.api.comments[unrelated]["body"], "LGTM")

        # Merged: on push to main the action plans and applies exactly that saved plan.
        code, outputs, _, log = self.run_action(event_name="push", ref="refs/heads/main")
        self.assertEqual(code, 0, log)
        self.assertEqual(outputs["mode"], "apply")
        self.assertEqual(outputs["exitcode"], "0")
        self.assertIn("Apply complete: 4 added", log)
        with open(os.path.join(self.workspace, "auth", ".secrets", "ml-auth.json"), encoding="utf-8") as handle:
            secret = json.load(handle)["clientSecret"]
        self.assertNotIn(secret, log)

        # Planned again: nothing to do, and the one comment says so.
        code, outputs, _, log = self.run_action()
        self.assertEqual(code, 0, log)
        self.assertEqual((outputs["exitcode"], outputs["has-changes"]), ("0", "false"))
        comments = self.plan_comments()
        self.assertEqual(len(comments), 1)
        self.assertIn("`auth`: no changes", comments[0]["body"])
        self.assertNotIn(secret, comments[0]["body"])

    def test_saved_plan_from_the_pull_request_is_applied_as_is_or_refused_when_stale(self):
        code, outputs, _, log = self.run_action(plan_file="pr-plan.json")
        self.assertEqual((code, outputs["exitcode"]), (0, "2"), log)
        code, outputs, _, log = self.run_action(
            event_name="push", ref="refs/heads/main", saved_plan="pr-plan.json")
        self.assertEqual((code, outputs["exitcode"]), (0, "0"), log)
        self.assertNotIn("plan-file", outputs, "a saved plan is not planned again")
        # Applied once, the same saved plan is stale: refused, and the step fails.
        code, outputs, _, log = self.run_action(
            event_name="push", ref="refs/heads/main", saved_plan="pr-plan.json")
        self.assertEqual((code, outputs["exitcode"]), (1, "1"), log)

    def test_failed_plan_fails_the_step_and_says_so_in_the_comment(self):
        with open(os.path.join(self.workspace, "auth", "webservices.yaml"), "a", encoding="utf-8") as handle:
            handle.write("---\napiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: broken}\nspec: {}\n")
        code, outputs, summary, log = self.run_action()
        self.assertEqual(code, 1, log)
        self.assertEqual((outputs["exitcode"], outputs["has-changes"]), ("1", "false"))
        self.assertNotIn("plan-file", outputs)
        self.assertIn("webservices.yaml:", log, "amlauth names the file of the error")
        comments = self.plan_comments()
        self.assertEqual(len(comments), 1)
        self.assertIn("`auth`: failed", comments[0]["body"])

    def test_the_marker_is_found_beyond_the_first_page_of_comments(self):
        for index in range(150):
            self.api.add(7, f"review comment {index}")
        code, _, _, log = self.run_action()
        self.assertEqual(code, 0, log)
        pages = [p.split("?")[1] for m, p, _, _ in self.api.requests if m == "GET"]
        self.assertEqual(pages, ["per_page=100&page=1", "per_page=100&page=2"])
        self.api.requests.clear()
        code, _, _, log = self.run_action()
        self.assertEqual(code, 0, log)
        self.assertEqual([m for m, _, _, _ in self.api.requests], ["GET", "GET", "PATCH"])
        self.assertEqual(len(self.plan_comments()), 1)

    def test_azure_credentials_for_another_tenant_do_not_stop_the_local_cloud(self):
        # `cloud: local` logs in as its own owner unless AZURE_* name its tenant (README, "In CI"):
        # credentials passed to the action for a real tenant are set aside, and the plan runs.
        code, outputs, _, log = self.run_action(azure_credentials="{not json")
        self.assertEqual((code, outputs["exitcode"]), (0, "2"), log)

    def test_read_only_token_still_plans(self):
        self.api.refuse_writes = True  # a fork's pull request
        code, outputs, summary, log = self.run_action()
        self.assertEqual(code, 0, log)
        self.assertEqual(outputs["exitcode"], "2")
        self.assertIn("cannot write the pull-request comment: HTTP 403", log)
        self.assertIn("ServicePrincipal/ml-auth", summary)
        self.assertNotIn("comment-id", outputs)

    def test_outside_a_pull_request_no_comment_and_other_branches_only_plan(self):
        code, outputs, _, log = self.run_action(event_name="push", ref="refs/heads/feature")
        self.assertEqual((code, outputs["mode"], outputs["exitcode"]), (0, "plan", "2"), log)
        self.assertEqual(self.api.requests, [])
        self.assertFalse(os.path.exists(os.path.join(self.workspace, "auth", ".secrets")), "nothing applied")


if __name__ == "__main__":
    unittest.main()
