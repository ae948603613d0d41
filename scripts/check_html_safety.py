#!/usr/bin/python3
"""Opens an HTML report in headless Chromium and checks that text from the target stayed text.

    scripts/check_html_safety.py REPORT.html [--expect-text TEXT ...] [--marker pyinspectPwned]

A page-level hook, inserted at the very start of a copy of the page (before any of its own scripts), replaces
alert/confirm/prompt/print and defines the marker function (default `pyinspectPwned`); hostile target text
calls them (`<script>pyinspectPwned(1)</script>`, `<img src=x onerror=pyinspectPwned(2)>`). After the load
event the hook records what ran, which injected elements exist (event-handler attributes or scripts that
mention the marker, `javascript:` URLs) and the page's visible text (`document.body.innerText`).

Passes (exit 0) when no injected script ran, no injected element exists, and every --expect-text is visible.
Fails (exit 1) with one line per problem; exit 2 when the check itself could not run (no chromium, the hook
was blocked). Needs Debian's `chromium` (apt-get install -y chromium); runs as root with --no-sandbox.
"""
import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

HOOK = """<script>/*pyinspect-check-hook*/(function () {
  var ran = [];
  function mark(how) { return function () { ran.push(how + '(' + Array.prototype.join.call(arguments, ',') + ')'); }; }
  window.alert = mark('alert'); window.confirm = mark('confirm'); window.prompt = mark('prompt');
  window.print = mark('print'); window[%(marker)s] = mark(%(marker)s);
  window.addEventListener('load', function () {
    var injected = [];
    var all = document.querySelectorAll('*');
    for (var i = 0; i < all.length; i++) {
      var element = all[i];
      for (var j = 0; j < element.attributes.length; j++) {
        var attribute = element.attributes[j];
        var name = attribute.name.toLowerCase(), value = attribute.value;
        if ((name.indexOf('on') === 0 && (value.indexOf(%(marker)s) >= 0 || /alert|confirm|prompt/.test(value)))
            || ((name === 'href' || name === 'src' || name === 'action') && /^\\s*javascript:/i.test(value)))
          injected.push('<' + element.tagName.toLowerCase() + ' ' + name + '=' + value.slice(0, 60) + '>');
      }
      if (element.tagName === 'SCRIPT' && element.textContent.indexOf('pyinspect-check-hook') < 0
          && (element.type === '' || /javascript|module/i.test(element.type))
          && element.textContent.indexOf(%(marker)s) >= 0)
        injected.push('<script>' + element.textContent.slice(0, 60));
    }
    var out = document.createElement('meta');
    out.id = 'pyinspect-check-result';
    out.content = JSON.stringify({ran: ran, injected: injected, text: document.body ? document.body.innerText : ''});
    document.head.appendChild(out);
  });
})();</script>"""


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def instrument(page, marker):
    hook = HOOK % {"marker": "'" + marker + "'"}
    # Before everything the page has, after a doctype if there is one (keeps standards mode).
    doctype = re.match(r"\s*<!doctype[^>]*>", page, re.IGNORECASE)
    at = doctype.end() if doctype else 0
    return page[:at] + hook + page[at:]


def check(path, expected_texts, marker="pyinspectPwned", timeout=60):
    """Returns (problems, error): problems is a list of lines; error is set when the check could not run."""
    import json  # a stand-alone script: start-up cost does not matter here
    chromium = find_chromium()
    if chromium is None:
        return [], "chromium is not installed (apt-get install -y chromium)"
    with open(path, encoding="utf-8", errors="replace") as source:
        page = source.read()
    with tempfile.TemporaryDirectory(prefix="pyinspect-html-check-") as work:
        copy = os.path.join(work, "page.html")
        with open(copy, "w", encoding="utf-8") as out:
            out.write(instrument(page, marker))
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-first-run", "--user-data-dir=" + os.path.join(work, "profile"),
                   "--virtual-time-budget=5000", "--dump-dom", "file://" + copy]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return [], "chromium did not finish in %d s" % timeout
    found = re.search(r'<meta id="pyinspect-check-result" content="([^"]*)"', done.stdout)
    if not found:
        said = done.stderr.strip().splitlines()
        return [], ("the page-level hook did not run (a Content-Security-Policy may block inline scripts)"
                    + ("; chromium said: " + said[-1] if said else ""))
    result = json.loads(html.unescape(found.group(1)))
    problems = ["injected script ran: " + call for call in result["ran"]]
    problems += ["injected element in the DOM: " + element for element in result["injected"]]
    for text in expected_texts:
        if text not in result["text"]:
            problems.append("text not visible on the page: " + text)
    return problems, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", help="the HTML file to open")
    parser.add_argument("--expect-text", action="append", default=[],
                        help="text from the target that must be visible as text (repeatable)")
    parser.add_argument("--marker", default="pyinspectPwned", help="function the hostile payloads call")
    options = parser.parse_args(argv)
    problems, error = check(options.report, options.expect_text, options.marker)
    if error:
        print("check_html_safety: cannot check %s: %s" % (options.report, error), file=sys.stderr)
        return 2
    for problem in problems:
        print("check_html_safety: %s: %s" % (options.report, problem))
    if not problems:
        print("check_html_safety: %s: safe (no injected script ran, %d expected texts visible)"
              % (options.report, len(options.expect_text)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
