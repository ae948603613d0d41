#!/usr/bin/python3
"""Drives a `pyinspect profile --html` page in headless Chromium and prints what it saw, as JSON.

    scripts/drive_profile_page.py PAGE.html [--zoom FUNCTION] [--search TEXT] [--thread NAME]
                                  [--screenshot OUT.png [--screenshot-by-state]]

A driver script, appended to a copy of the page after the page's own script, acts as a user would once the page
has loaded: it toggles "Colour by state" (recording a frame's colour before and after), types TEXT in the search
box (recording the sum line and the highlighted frames), clicks the first frame named FUNCTION (recording its
width against the flame graph's before and after the click) and picks the thread NAME in the selector (recording
the frames drawn). Results come back through a <meta> element in `--dump-dom`'s output.
With --screenshot, also saves a 1280x900 screenshot of the page (colour by state on with --screenshot-by-state).
Exit 0 with the JSON on stdout; exit 2 when Chromium is missing or the driver did not run.
"""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DRIVER = """<script>/*profile-page-driver*/(function () {
  var want = %(want)s, out = {};
  function frames() { return Array.prototype.slice.call(document.querySelectorAll('#flame .frame')); }
  function named(name) { return frames().filter(function (e) { return e.textContent === name; })[0]; }
  function fire(el, type) { el.dispatchEvent(new Event(type, {bubbles: true})); }
  var flame = document.getElementById('flame');
  out.flameWidth = flame.getBoundingClientRect().width;
  out.frames = frames().length;
  out.names = frames().map(function (e) { return e.textContent; });
  var probe = named(want.zoom);
  var byState = document.getElementById('by-state');
  out.colourBefore = probe ? probe.style.background : null;
  byState.checked = true; fire(byState, 'change');
  probe = named(want.zoom);
  out.colourByState = probe ? probe.style.background : null;
  byState.checked = false; fire(byState, 'change');
  var search = document.getElementById('search');
  search.value = want.search; fire(search, 'input');
  out.matchText = document.getElementById('match').textContent;
  out.matched = frames().filter(function (e) { return e.classList.contains('match'); })
    .map(function (e) { return e.textContent; });
  search.value = ''; fire(search, 'input');
  probe = named(want.zoom);
  if (probe) {
    out.widthBeforeZoom = probe.getBoundingClientRect().width;
    var id = probe.getAttribute('data-node');
    probe.click();
    var after = document.querySelector('#flame .frame[data-node="' + id + '"]');
    out.widthAfterZoom = after ? after.getBoundingClientRect().width : null;
    out.leftAfterZoom = after ? after.getBoundingClientRect().left - flame.getBoundingClientRect().left : null;
    out.namesAfterZoom = frames().map(function (e) { return e.textContent; });
    out.childWidthsAfterZoom = {};
    frames().forEach(function (e) {
      if (parseFloat(e.style.top) > parseFloat(after.style.top))
        out.childWidthsAfterZoom[e.textContent] = e.getBoundingClientRect().width / out.flameWidth;
    });
    document.getElementById('reset').click();
  }
  var select = document.getElementById('thread');
  out.threadOptions = Array.prototype.map.call(select.options, function (o) { return o.textContent; });
  var option = Array.prototype.filter.call(select.options, function (o) { return o.textContent.indexOf(want.thread) === 0; })[0];
  if (option) {
    select.value = option.value; fire(select, 'change');
    out.namesForThread = frames().map(function (e) { return e.textContent; });
  }
  var meta = document.createElement('meta');
  meta.id = 'profile-page-driver-result';
  meta.content = JSON.stringify(out);
  document.head.appendChild(meta);
})();</script>"""

BY_STATE = """<script>(function () { var b = document.getElementById('by-state');
  b.checked = true; b.dispatchEvent(new Event('change', {bubbles: true})); })();</script>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def with_script(page, script):
    at = page.rfind("</body>")
    return page[:at] + script + page[at:] if at >= 0 else page + script


def run(browser, work, page, extra):
    copy = os.path.join(work, "page-%d.html" % len(os.listdir(work)))
    with open(copy, "w", encoding="utf-8") as out:
        out.write(page)
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--user-data-dir=" + os.path.join(work, "profile"), "--window-size=1280,900",
               "--virtual-time-budget=5000"] + extra + ["file://" + copy]
    return subprocess.run(command, capture_output=True, text=True, timeout=90)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page")
    parser.add_argument("--zoom", default="step")
    parser.add_argument("--search", default="work_")
    parser.add_argument("--thread", default="sleeper")
    parser.add_argument("--screenshot")
    parser.add_argument("--screenshot-by-state", action="store_true")
    options = parser.parse_args(argv)
    browser = chromium()
    if browser is None:
        print("drive_profile_page: chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 2
    with open(options.page, encoding="utf-8") as source:
        page = source.read()
    want = json.dumps({"zoom": options.zoom, "search": options.search, "thread": options.thread})
    with tempfile.TemporaryDirectory(prefix="pyinspect-profile-page-") as work:
        # The driver's parameters are ours, not the target's; still keep `</` out of the script block.
        done = run(browser, work, with_script(page, DRIVER % {"want": want.replace("</", "<\\/")}), ["--dump-dom"])
        found = re.search(r'<meta id="profile-page-driver-result" content="([^"]*)"', done.stdout)
        if not found:
            said = done.stderr.strip().splitlines()
            print("drive_profile_page: the driver did not run" + ("; chromium said: " + said[-1] if said else ""),
                  file=sys.stderr)
            return 2
        result = json.loads(html.unescape(found.group(1)))
        if options.screenshot:
            shot = with_script(page, BY_STATE) if options.screenshot_by_state else page
            run(browser, work, shot, ["--hide-scrollbars", "--screenshot=" + os.path.abspath(options.screenshot)])
            result["screenshot"] = os.path.exists(options.screenshot)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
