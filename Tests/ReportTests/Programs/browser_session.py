#!/usr/bin/env python3
"""Drives a page in headless Chromium as a person would, over the DevTools protocol on a pipe
(--remote-debugging-pipe: requests on descriptor 3, answers on 4, each a JSON text ended by NUL).

Usage: browser_session.py PAGE_URL STEPS_JSON
STEPS_JSON is a list of steps, each one of
  {"click": CSS_SELECTOR}                  a real mouse click at the element's centre
  {"type": TEXT}                           text typed into the focused element
  {"key": "Escape"}                        a key pressed and released
  {"read": JAVASCRIPT_EXPRESSION}          the expression's value, JSON-serialisable
Prints one JSON object: {"reads": [values of the read steps in order], "console": [messages]},
where the console holds every console call, uncaught exception and browser log entry (a blocked
load or script shows there). Exits non-zero with one sentence on standard error when the browser
does not answer in time. Only the standard library is used.
"""
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

DEADLINE = time.monotonic() + 60


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="workshop-chromium-")
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        # High descriptors, so that moving them to 3 and 4 in the child cannot clobber each other.
        self.read_end = fcntl.fcntl(from_browser_read, fcntl.F_DUPFD_CLOEXEC, 20)
        self.write_end = fcntl.fcntl(to_browser_write, fcntl.F_DUPFD_CLOEXEC, 20)
        child_in = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 20)
        child_out = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 20)
        for descriptor in (to_browser_read, to_browser_write, from_browser_read, from_browser_write):
            os.close(descriptor)
        command = [
            "bash", "-c", 'exec 3<&"$1" 4>&"$2"; shift 2; exec "$@"', "bash", str(child_in), str(child_out),
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + self.profile, "--window-size=1280,900", "--remote-debugging-pipe",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            command, pass_fds=(child_in, child_out), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(child_in)
        os.close(child_out)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_end, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self):
        while b"\0" not in self.buffer:
            remaining = DEADLINE - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the browser did not answer within 60 s")
            ready, _, _ = select.select([self.read_end], [], [], remaining)
            if ready:
                chunk = os.read(self.read_end, 1 << 16)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, predicate):
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            self.events.append(self.receive())

    def close(self):
        try:
            os.killpg(self.process.pid, 9)
        except ProcessLookupError:
            pass
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def console_messages(events):
    messages = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            messages.append(" ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            messages.append(details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded":
            messages.append(params["entry"]["text"])
    return messages


def main():
    url, steps = sys.argv[1], json.loads(sys.argv[2])
    browser = Browser()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(domain + ".enable", session=session)
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for(lambda event: event.get("method") == "Page.loadEventFired")

        def evaluate(expression):
            result = browser.send(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=session)
            if "exceptionDetails" in result:
                raise RuntimeError(f"{expression} threw: {result['exceptionDetails']}")
            return result["result"].get("value")

        reads = []
        for step in steps:
            if "click" in step:
                box = evaluate(
                    "(() => { const r = document.querySelector(%s).getBoundingClientRect();"
                    " return [r.left + r.width / 2, r.top + r.height / 2]; })()" % json.dumps(step["click"]))
                for kind in ("mousePressed", "mouseReleased"):
                    browser.send(
                        "Input.dispatchMouseEvent",
                        {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
                        session=session)
            elif "type" in step:
                browser.send("Input.insertText", {"text": step["type"]}, session=session)
            elif "key" in step:
                for kind in ("keyDown", "keyUp"):
                    browser.send(
                        "Input.dispatchKeyEvent", {"type": kind, "key": step["key"], "code": step["key"]},
                        session=session)
            elif "read" in step:
                reads.append(evaluate(step["read"]))
        # Let anything the steps started (a redraw, a log entry) arrive before reading the console.
        evaluate("new Promise(resolve => setTimeout(resolve, 50))")
        print(json.dumps({"reads": reads, "console": console_messages(browser.events)}))
    finally:
        browser.close()


if __name__ == "__main__":
    try:
        main()
    except (TimeoutError, RuntimeError) as error:
        print(f"browser_session.py: {error}", file=sys.stderr)
        sys.exit(1)
