#!/usr/bin/env python3
"""The GitHub Action's logic (action.yml runs it): plan on pull requests, apply on the main branch.

Standard library only, so it runs on any runner with Python 3.8+ and in this repository's tests,
which point GITHUB_API_URL at a local stand-in and run amlauth against its local cloud.

Inputs arrive as environment variables (action.yml maps them):
  AMLAUTH            the amlauth binary (default: `amlauth` on PATH)
  INPUT_DIRECTORY    the Target's manifest directory (default `.`)
  INPUT_MODE         auto | plan | apply (auto: plan on pull_request*, apply on push/dispatch to
                     INPUT_APPLY_REF, plan otherwise)
  INPUT_APPLY_REF    the ref that applies in auto mode (default refs/heads/main)
  INPUT_PLAN_FILE    where `plan -o` writes the saved plan (default amlauth-plan.json)
  INPUT_SAVED_PLAN   apply mode: a plan file saved earlier (e.g. the PR run's artifact) to apply
                     as is; empty: plan now, then apply exactly that saved plan
  INPUT_COMMENT      true | false: keep one pull-request comment with the plan (default true)
  INPUT_CLIENT_ID, INPUT_TENANT_ID, INPUT_AZURE_CREDENTIALS: login (see login_environment)
  GITHUB_TOKEN       token for the comments API (needs `pull-requests: write`)
and GitHub's own GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REF, GITHUB_REPOSITORY,
GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.

Outputs (GITHUB_OUTPUT): mode, exitcode (amlauth's: plan 0 clean / 2 changes / 1 error),
has-changes (true/false), plan-file, comment-id. The step fails when amlauth fails.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

# GitHub refuses issue comments longer than 65,536 characters; stay under it with room for the frame.
COMMENT_LIMIT = 60000


def env(name, default=""):
    value = os.environ.get(name, "")
    return value if value != "" else default


def set_output(name, value):
    path = env("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def log(message):
    print(f"amlauth-action: {message}", file=sys.stderr, flush=True)


def run_amlauth(arguments, capture=False):
    """Runs amlauth; stderr always passes through (it carries ::add-mask:: and diagnostics)."""
    command = [env("AMLAUTH", "amlauth")] + arguments
    print("$ " + " ".join(command), flush=True)
    completed = subprocess.run(command, stdout=subprocess.PIPE if capture else None, text=True)
    return completed.returncode, (completed.stdout or "")


def resolve_mode():
    mode = env("INPUT_MODE", "auto")
    if mode in ("plan", "apply"):
        return mode
    if mode != "auto":
        raise SystemExit(f"amlauth-action: mode must be auto, plan or apply, not '{mode}'")
    event = env("GITHUB_EVENT_NAME")
    if event.startswith("pull_request"):
        return "plan"
    if event in ("push", "workflow_dispatch") and env("GITHUB_REF") == env("INPUT_APPLY_REF", "refs/heads/main"):
        return "apply"
    return "plan"


def pull_request_number():
    path = env("GITHUB_EVENT_PATH")
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        event = json.load(handle)
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    return int(number) if number else None


class GitHub:
    """The three calls of the issue-comments REST API this action needs."""

    def __init__(self):
        self.base = env("GITHUB_API_URL", "https://api.github.com").rstrip("/")
        self.repository = env("GITHUB_REPOSITORY")
        self.token = env("GITHUB_TOKEN")

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8") or "null")

    def find_comment(self, number, marker):
        page = 1
        while True:
            comments = self.request(
                "GET", f"/repos/{self.repository}/issues/{number}/comments?per_page=100&page={page}")
            for comment in comments:
                if marker in (comment.get("body") or ""):
                    return comment["id"]
            if len(comments) < 100:
                return None
            page += 1

    def upsert_comment(self, number, marker, body):
        existing = self.find_comment(number, marker)
        if existing is not None:
            self.request("PATCH", f"/repos/{self.repository}/issues/comments/{existing}", {"body": body})
            return existing
        return self.request("POST", f"/repos/{self.repository}/issues/{number}/comments", {"body": body})["id"]


def comment_body(marker, directory, markdown, status):
    run_url = ""
    if env("GITHUB_RUN_ID"):
        server = env("GITHUB_SERVER_URL", "https://github.com")
        run_url = f"{server}/{env('GITHUB_REPOSITORY')}/actions/runs/{env('GITHUB_RUN_ID')}"
    if len(markdown) > COMMENT_LIMIT:
        markdown = markdown[:COMMENT_LIMIT] + "\n\n… (truncated: the full plan is in the run's summary and artifact)\n"
    lines = [marker, f"### amlauth plan for `{directory}`: {status}", "", markdown.rstrip(), ""]
    if run_url:
        lines.append(f"<sub>[Workflow run]({run_url}); the saved plan is the run's artifact.</sub>")
    return "\n".join(lines) + "\n"


def plan(directory, plan_file):
    code, _ = run_amlauth(["plan", directory, "-o", plan_file, "--detailed-exitcode"])
    set_output("exitcode", code)
    set_output("has-changes", "true" if code == 2 else "false")
    if code in (0, 2):
        set_output("plan-file", plan_file)
    return code


def comment(directory, plan_file, code):
    if env("INPUT_COMMENT", "true").lower() != "true":
        return
    number = pull_request_number() if env("GITHUB_EVENT_NAME").startswith("pull_request") else None
    if number is None:
        log("no pull request in the event: no comment")
        return
    if code in (0, 2):
        shown, markdown = run_amlauth(["show", plan_file, "--markdown"], capture=True)
        if shown != 0:
            raise SystemExit(f"amlauth-action: 'amlauth show {plan_file} --markdown' failed ({shown})")
        status = "changes" if code == 2 else "no changes"
    else:
        markdown = "The plan failed: see the workflow run's log for amlauth's error.\n"
        status = "failed"
    marker = f"<!-- amlauth-plan:{directory} -->"
    try:
        identifier = GitHub().upsert_comment(number, marker, comment_body(marker, directory, markdown, status))
    except urllib.error.HTTPError as error:
        # Forks' pull requests get a read-only token: the summary still has the plan.
        log(f"cannot write the pull-request comment: HTTP {error.code} {error.reason}")
        return
    set_output("comment-id", identifier)


def apply(directory, plan_file):
    saved = env("INPUT_SAVED_PLAN")
    if saved:
        if not os.path.exists(saved):
            raise SystemExit(f"amlauth-action: saved-plan '{saved}' does not exist")
        plan_file = saved
    else:
        code = plan(directory, plan_file)
        if code == 0:
            log("no changes: nothing to apply")
            return 0
        if code != 2:
            return code
    # A saved plan is applied exactly, and refused if the manifests or the live objects changed since.
    code, _ = run_amlauth(["apply", plan_file])
    set_output("exitcode", code)
    return code


def login_environment():
    """The login inputs, as the variables amlauth's credential chain reads. GitHub OIDC needs no more:
    amlauth requests the runner's ID token itself (ACTIONS_ID_TOKEN_REQUEST_URL, present with
    `permissions: id-token: write`) and exchanges it for the app in AZURE_CLIENT_ID. Empty inputs
    leave the job's own AZURE_* variables alone."""
    for name, variable in (
        ("INPUT_CLIENT_ID", "AZURE_CLIENT_ID"), ("INPUT_TENANT_ID", "AZURE_TENANT_ID"),
        ("INPUT_AZURE_CREDENTIALS", "AZURE_CREDENTIALS"),
    ):
        if env(name):
            os.environ[variable] = env(name)


def main():
    login_environment()
    directory = env("INPUT_DIRECTORY", ".")
    plan_file = env("INPUT_PLAN_FILE", "amlauth-plan.json")
    mode = resolve_mode()
    set_output("mode", mode)
    if mode == "plan":
        code = plan(directory, plan_file)
        comment(directory, plan_file, code)
        return 0 if code in (0, 2) else code
    return apply(directory, plan_file)


if __name__ == "__main__":
    sys.exit(main())
