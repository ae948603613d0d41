import FoundationEssentials

/// `--html FILE` of `profile`: one self-contained page (no network; a Content-Security-Policy forbids every
/// external resource) with an interactive flame graph drawn as an icicle (outermost frame on top): click a frame
/// to zoom on it (it spans the full width; click an ancestor or "Reset zoom" to go back), search to highlight
/// the frames whose function or file contains the text and see which share of the samples they cover, colour by
/// function or by state (cpu / GIL wait / off CPU, each frame split in proportion), pick one thread or all of
/// them merged; then the top-functions table.
///
/// Target text (function, file, thread and task names) goes through `HTMLEscaping` only: into element text for the
/// table, and into a `<script type="application/json">` block (`HTMLEscaping.scriptJSON`) that the page's own
/// script reads with `JSON.parse` and shows through `textContent` and `title`, never `innerHTML`. Pure: the same
/// stacks give the same page.
public enum ProfileHTMLReport {
    /// What the page's script reads: frames and threads tables, and the stacks as indexes into them.
    struct PageData: Encodable {
        struct Thread: Encodable { var name: String; var nativeID: Int
            enum CodingKeys: String, CodingKey { case name, nativeID = "native_id" } }
        struct Frame: Encodable, Hashable { var function: String; var file: String }
        struct Stack: Encodable { var thread: Int; var task: String?; var frames: [Int]; var state: String; var count: Int }
        var rateHz: Double
        var durationS: Double
        var threads: [Thread]
        var frames: [Frame]
        var stacks: [Stack]
        enum CodingKeys: String, CodingKey { case rateHz = "rate_hz", durationS = "duration_s", threads, frames, stacks }
    }

    static func pageData(_ stacks: ProfileStacks) -> PageData {
        var threads: [PageData.Thread] = []
        var threadIndex: [String: Int] = [:]
        var frames: [PageData.Frame] = []
        var frameIndex: [PageData.Frame: Int] = [:]
        var out: [PageData.Stack] = []
        for stack in stacks.stacks where stack.count > 0 {
            let threadKey = "\(stack.nativeID)\u{0}\(stack.thread)"
            let thread = threadIndex[threadKey] ?? {
                threads.append(PageData.Thread(name: stack.thread, nativeID: stack.nativeID))
                threadIndex[threadKey] = threads.count - 1
                return threads.count - 1
            }()
            let path = stack.frames.map { frame -> Int in
                let key = PageData.Frame(function: frame.function, file: frame.file)
                if let known = frameIndex[key] { return known }
                frames.append(key)
                frameIndex[key] = frames.count - 1
                return frames.count - 1
            }
            out.append(PageData.Stack(thread: thread, task: ProfileCollapsed.taskLabel(stack), frames: path,
                                      state: stack.state.rawValue, count: stack.count))
        }
        return PageData(rateHz: stacks.rateHz, durationS: stacks.durationS, threads: threads, frames: frames, stacks: out)
    }

    public static func render(_ stacks: ProfileStacks, title: String) throws -> String {
        let data = try HTMLEscaping.scriptJSON(encoding: pageData(stacks))
        let samples = stacks.stacks.reduce(0) { $0 + max($1.count, 0) }
        let threadCount = Set(stacks.stacks.map { "\($0.nativeID)\u{0}\($0.thread)" }).count
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <title>pyinspect profile: \(HTMLEscaping.text(String(title.prefix(200))))</title>
            <style>\(style)</style></head><body>
            <h1>pyinspect profile</h1>
            <p><code>\(HTMLEscaping.text(title))</code></p>

            """
        html += "<p class=\"muted\">\(samples) samples at \(String(format: "%.0f", stacks.rateHz)) Hz over "
        html += "\(String(format: "%.2f", stacks.durationS)) s, \(threadCount) thread\(threadCount == 1 ? "" : "s").</p>\n"
        html += """
            <div class="controls">
            <label>Thread <select id="thread"></select></label>
            <label>Search <input id="search" type="search" placeholder="function or file" autocomplete="off"></label>
            <label><input id="by-state" type="checkbox"> Colour by state</label>
            <button id="reset" type="button">Reset zoom</button>
            <span id="match" class="match-sum"></span>
            </div>
            <p class="legend" id="legend"><span style="background:#e8743b"></span>cpu<span style="background:#c0392b"></span>GIL wait<span style="background:#4e79a7"></span>off CPU</p>
            <div id="flame" class="flame" role="tree"></div>
            <p class="muted">Outermost frame on top; width is the share of samples. Click a frame to zoom, an ancestor to zoom out.</p>

            """
        html += topFunctionsTable(stacks, samples: samples)
        html += "<script type=\"application/json\" id=\"profile-data\">\(data)</script>\n"
        html += "<script>\(script)</script>\n</body></html>\n"
        return html
    }

    static func topFunctionsTable(_ stacks: ProfileStacks, samples: Int, limit: Int = 50) -> String {
        let functions = ProfileFunctionTotals.of(stacks)
        func percent(_ part: Int, _ whole: Int) -> String {
            whole > 0 ? String(format: "%.1f%%", 100 * Double(part) / Double(whole)) : "–"
        }
        var html = "<h2>Top functions</h2>\n<table id=\"top-functions\"><tr><th>function</th><th>file</th>"
        html += "<th>self</th><th>total</th><th>cpu</th><th>GIL wait</th><th>off CPU</th></tr>\n"
        for entry in functions.prefix(limit) {
            html += "<tr><td>\(HTMLEscaping.text(entry.function))</td><td><code>\(HTMLEscaping.text(entry.file))</code></td>"
            html += "<td>\(percent(entry.selfSamples, samples))</td><td>\(percent(entry.totalSamples, samples))</td>"
            html += "<td>\(percent(entry.cpu, entry.totalSamples))</td><td>\(percent(entry.gilWait, entry.totalSamples))</td>"
            html += "<td>\(percent(entry.offCPU, entry.totalSamples))</td></tr>\n"
        }
        html += "</table>\n"
        if functions.count > limit {
            html += "<p class=\"muted\">\(functions.count - limit) more functions not shown.</p>\n"
        }
        html += "<p class=\"muted\">self and total: share of all samples; cpu, GIL wait, off CPU: split of the function's own (total) samples.</p>\n"
        return html
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
        table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
        td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}th{background:#f6f6f6}
        code{font:12px ui-monospace,monospace}.muted{color:#666}
        .controls label{margin-right:16px}.match-sum{font-weight:600;margin-left:8px}
        .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
        .flame{position:relative;width:100%;overflow:hidden;border:1px solid #ddd;margin:8px 0;font:12px ui-monospace,monospace}
        .frame{position:absolute;height:17px;box-sizing:border-box;border:1px solid #fff;border-width:0 1px 1px 0;
        overflow:hidden;white-space:nowrap;text-overflow:ellipsis;padding:0 3px;line-height:17px;cursor:pointer;color:#111}
        .frame.ancestor{opacity:.55}.frame.match{outline:2px solid #7b1fa2;outline-offset:-2px;font-weight:700}
        .frame:hover{filter:brightness(1.1)}
        """

    /// The page's behaviour. Reads the data block, never writes markup: names go through textContent/title.
    static let script = #"""
        (function () {
          'use strict';
          var data = JSON.parse(document.getElementById('profile-data').textContent);
          var STATES = ['cpu', 'gil_wait', 'off_cpu'];
          var COLOURS = {cpu: '#e8743b', gil_wait: '#c0392b', off_cpu: '#4e79a7'};
          var ROW = 18;
          var flame = document.getElementById('flame'), select = document.getElementById('thread');
          var search = document.getElementById('search'), byState = document.getElementById('by-state');
          var matchSum = document.getElementById('match'), reset = document.getElementById('reset');
          var nodes = [], root = null, focus = null;

          function threadLabel(t) { return t.name + ' (tid ' + t.native_id + ')'; }
          function makeNode(name, file, kind, parent) {
            var n = {id: nodes.length, name: name, file: file, kind: kind, parent: parent, total: 0,
                     cpu: 0, gil_wait: 0, off_cpu: 0, children: [], index: {}};
            nodes.push(n);
            return n;
          }
          function child(parent, name, file, kind) {
            var key = kind + '\u0000' + name + '\u0000' + file;
            var c = parent.index[key];
            if (!c) { c = makeNode(name, file, kind, parent); parent.index[key] = c; parent.children.push(c); }
            return c;
          }
          function build(thread) {
            nodes = [];
            var top = makeNode(thread < 0 ? 'all threads' : threadLabel(data.threads[thread]), '', 'root', null);
            data.stacks.forEach(function (s) {
              if (thread >= 0 && s.thread !== thread) return;
              var path = [top], n = top;
              if (thread < 0) { n = child(n, threadLabel(data.threads[s.thread]), '', 'thread'); path.push(n); }
              if (s.task !== undefined && s.task !== null) { n = child(n, s.task, '', 'task'); path.push(n); }
              s.frames.forEach(function (i) {
                var f = data.frames[i];
                n = child(n, f.function, f.file, 'frame');
                path.push(n);
              });
              path.forEach(function (p) { p.total += s.count; p[s.state] += s.count; });
            });
            (function sort(n) {
              n.children.sort(function (a, b) { return b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
              n.children.forEach(sort);
            })(top);
            return top;
          }
          function hue(text) {
            var h = 0;
            for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
            return h;
          }
          function functionColour(n) {
            if (n.kind !== 'frame') return '#d9d9d9';
            var h = hue(n.name + n.file);
            return 'hsl(' + (20 + h % 40) + ',' + (60 + (h >> 8) % 30) + '%,' + (62 + (h >> 16) % 14) + '%)';
          }
          function stateColour(n) {
            if (!n.total) return '#d9d9d9';
            var stops = [], at = 0;
            STATES.forEach(function (s) {
              var end = at + 100 * n[s] / n.total;
              if (n[s] > 0) stops.push(COLOURS[s] + ' ' + at.toFixed(2) + '% ' + end.toFixed(2) + '%');
              at = end;
            });
            return 'linear-gradient(to right,' + stops.join(',') + ')';
          }
          function describe(n) {
            var pct = root.total ? (100 * n.total / root.total).toFixed(1) : '0';
            var split = STATES.map(function (s) {
              return s + ' ' + (n.total ? (100 * n[s] / n.total).toFixed(0) : 0) + '%';
            }).join(', ');
            return n.name + (n.file ? ' (' + n.file + ')' : '') + '\n' + n.total + ' samples, ' + pct + '% — ' + split;
          }
          function matches(n, query) {
            return query !== '' && n.kind !== 'root' &&
              (n.name.toLowerCase().indexOf(query) >= 0 || n.file.toLowerCase().indexOf(query) >= 0);
          }
          function draw() {
            while (flame.firstChild) flame.removeChild(flame.firstChild);
            var query = search.value.trim().toLowerCase();
            var chain = [];
            for (var a = focus; a; a = a.parent) chain.unshift(a);
            var depth = 0;
            function box(n, left, width, d, ancestor) {
              var el = document.createElement('div');
              el.className = 'frame' + (ancestor ? ' ancestor' : '') + (matches(n, query) ? ' match' : '');
              el.style.left = left + '%';
              el.style.width = width + '%';
              el.style.top = (d * ROW) + 'px';
              el.style.background = byState.checked ? stateColour(n) : functionColour(n);
              el.textContent = n.name;
              el.title = describe(n);
              el.setAttribute('data-node', String(n.id));
              el.setAttribute('data-kind', n.kind);
              flame.appendChild(el);
              depth = Math.max(depth, d);
            }
            chain.forEach(function (n, d) { box(n, 0, 100, d, n !== focus); });
            (function lay(n, left, d) {
              var x = left;
              n.children.forEach(function (c) {
                var w = focus.total ? 100 * c.total / focus.total : 0;
                if (w >= 0.05) { box(c, x, w, d, false); lay(c, x, d + 1); }
                x += w;
              });
            })(focus, 0, chain.length);
            flame.style.height = ((depth + 1) * ROW + 2) + 'px';
            var sum = 0;
            (function add(n) {
              if (matches(n, query)) { sum += n.total; return; }
              n.children.forEach(add);
            })(root);
            matchSum.textContent = query === '' ? '' :
              (root.total ? (100 * sum / root.total).toFixed(1) : '0.0') + '% of samples match';
          }
          function choose() {
            root = build(parseInt(select.value, 10));
            focus = root;
            draw();
          }
          var all = document.createElement('option');
          all.value = '-1';
          all.textContent = 'all threads (merged)';
          select.appendChild(all);
          data.threads.forEach(function (t, i) {
            var o = document.createElement('option');
            o.value = String(i);
            o.textContent = threadLabel(t);
            select.appendChild(o);
          });
          flame.addEventListener('click', function (event) {
            var el = event.target.closest ? event.target.closest('.frame') : null;
            if (!el) return;
            var n = nodes[parseInt(el.getAttribute('data-node'), 10)];
            if (n) { focus = n; draw(); }
          });
          select.addEventListener('change', choose);
          search.addEventListener('input', draw);
          byState.addEventListener('change', draw);
          reset.addEventListener('click', function () { focus = root; draw(); });
          choose();
        })();
        """#
}
