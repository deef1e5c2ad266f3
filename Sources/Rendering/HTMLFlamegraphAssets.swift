/// The style and the script of ``HTMLFlamegraph``'s page, inline so that the page needs no network.
///
/// The script reads the JSON block `flamegraph-data`, draws the chart as SVG and lays out the
/// icicle itself: one absolutely placed element per frame at least a pixel wide at the current
/// zoom, so the page stays quick on large trees. Strings from the capture only ever go in through
/// `textContent` and attributes, never as markup. The URL fragment carries the search and the zoom
/// (`#search=fill&zoom=12`), so a shared link opens on the same view.
enum HTMLFlamegraphAssets {
  static let style = """
    :root{color-scheme:light;--fg:#1d1d1f;--muted:#5f6368;--line:#d0d4da;--lit:#e040fb}
    *{box-sizing:border-box}
    body{margin:0;padding:16px 20px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);\
    background:#fff}
    h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:16px 0 6px}
    .command code{font:13px ui-monospace,"DejaVu Sans Mono",monospace;background:#f3f4f6;padding:2px 6px;\
    border-radius:4px;word-break:break-all}
    .totals{display:flex;flex-wrap:wrap;gap:6px 24px;margin:10px 0 0}
    .totals div{display:flex;gap:6px}.totals dt{color:var(--muted)}.totals dd{margin:0;font-weight:600}
    .warning{color:#a50e0e;font-weight:600}
    #chart{position:relative;height:180px;border:1px solid var(--line);border-radius:4px}
    #chart svg{display:block;width:100%;height:100%}
    #chart .heap{fill:#8ab4f8;fill-opacity:.6;stroke:#1a73e8;stroke-width:1}
    #chart .resident{fill:none;stroke:#188038;stroke-width:1.5}#chart .resident-label{fill:#188038}
    #chart .heap-label{fill:#1a73e8}
    #chart .axis{stroke:#9aa0a6;stroke-width:1}#chart text{font-size:11px;fill:var(--muted)}
    #chart .peak{fill:#d93025}#chart .peak-line{stroke:#d93025;stroke-dasharray:3 3}
    #chart text.peak-label{fill:#d93025;font-weight:600}
    #chart .marker{stroke:#f29900;stroke-dasharray:4 2}#chart text.marker-label{fill:#b06000}
    .controls{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-bottom:6px}
    .controls input{font:inherit;padding:2px 6px;width:18em}
    #search-result{color:var(--muted)}
    #zoom-path{margin:0 0 4px;color:var(--muted);font-size:12px;min-height:1.4em}
    #icicle{position:relative;width:100%;overflow:hidden;font:12px/19px ui-monospace,"DejaVu Sans Mono",monospace}
    .frame{position:absolute;height:19px;padding:0 3px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;\
    cursor:pointer;border-right:1px solid #fff;border-bottom:1px solid #fff;color:#111}
    .frame:hover{filter:brightness(.9)}
    .frame.ancestor{opacity:.55}
    .frame.match{background:var(--lit)!important;color:#fff}
    .m0{background:#87d7ff}.m1{background:#afd787}.m2{background:#ffd7af}.m3{background:#d7afff}
    .m4{background:#afd7d7}.m5{background:#ffffaf}.m6{background:#ffafd7}.m7{background:#d7d7af}
    .root{background:#dadce0}
    .s0{background:#ff5f5f}.s1{background:#ffaf5f}.s2{background:#ffffaf}.s3{background:#afffaf}.s4{background:#afd7ff}
    #details{color:var(--muted);font-size:12px;min-height:1.4em;margin:6px 0 0;word-break:break-all}
    """

  static let script = """
    (function () {
      "use strict";
      var began = performance.now();
      var data = JSON.parse(document.getElementById("flamegraph-data").textContent);
      var STRIDE = 5, ROW = 20, MIN_PX = 1;
      var count = data.nodes.length / STRIDE;
      var parent = new Int32Array(count), nameOf = new Int32Array(count), moduleOf = new Int32Array(count);
      var size = new Float64Array(count), allocations = new Float64Array(count), start = new Float64Array(count);
      var depth = new Int32Array(count), placed = new Float64Array(count);
      var firstChild = new Int32Array(count).fill(-1), nextSibling = new Int32Array(count).fill(-1);
      var lastChild = new Int32Array(count).fill(-1);
      for (var i = 0; i < count; i++) {
        var o = i * STRIDE, p = data.nodes[o];
        parent[i] = p; nameOf[i] = data.nodes[o + 1]; moduleOf[i] = data.nodes[o + 2];
        size[i] = data.nodes[o + 3]; allocations[i] = data.nodes[o + 4];
        if (p >= 0) {
          depth[i] = depth[p] + 1;
          start[i] = start[p] + placed[p];
          placed[p] += size[i];
          if (lastChild[p] < 0) firstChild[p] = i; else nextSibling[lastChild[p]] = i;
          lastChild[p] = i;
        }
      }
      var total = count > 0 ? size[0] : 0;
      var focus = 0, matched = null;

      function sizeText(value) {
        if (data.weight === "allocations") return grouped(value) + (value === 1 ? " allocation" : " allocations");
        return bytesText(value);
      }
      function bytesText(value) {
        if (value < 1024) return value + " B";
        var units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"], v = value / 1024, u = 0;
        while (v >= 1023.95 && u < units.length - 1) { v /= 1024; u++; }
        return v.toFixed(1) + " " + units[u];
      }
      function grouped(value) { return String(value).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ","); }
      function percent(part, whole) { return whole > 0 ? (part / whole * 100).toFixed(1) + "%" : "0.0%"; }
      function timeText(us) { var ms = us / 1000; return ms < 10000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(1) + " s"; }
      function colourClass(n) {
        if (n === 0) return "root";
        if (data.colouring === "share") {
          var share = total > 0 ? size[n] / total : 0;
          return "s" + (share >= 0.5 ? 0 : share >= 0.2 ? 1 : share >= 0.05 ? 2 : share >= 0.01 ? 3 : 4);
        }
        return moduleOf[n] >= 0 ? "m" + data.modulePalette[moduleOf[n]] : "root";
      }

      // The icicle: the focus's ancestors across the whole width, then the focus's subtree.
      var icicle = document.getElementById("icicle");
      function frameElement(n, left, width, ancestor) {
        var element = document.createElement("div");
        element.className = "frame " + colourClass(n) + (ancestor ? " ancestor" : "") +
          (matched && matched[n] ? " match" : "");
        element.style.left = left.toFixed(1) + "px";
        element.style.width = width.toFixed(1) + "px";
        element.style.top = depth[n] * ROW + "px";
        element.dataset.node = n;
        element.dataset.bytes = size[n];
        var label = data.names[nameOf[n]];
        if (width >= 12) element.textContent = label;
        element.title = label + "\\n" + sizeText(size[n]) + " (" + percent(size[n], total) + ")";
        return element;
      }
      function drawIcicle() {
        if (count === 0) return;
        var width = icicle.clientWidth || 1000;
        var fragment = document.createDocumentFragment();
        var chain = [];
        for (var a = parent[focus]; a >= 0; a = parent[a]) chain.push(a);
        for (var k = 0; k < chain.length; k++) fragment.appendChild(frameElement(chain[k], 0, width, true));
        var scale = size[focus] > 0 ? width / size[focus] : 0, deepest = depth[focus], shown = chain.length;
        var stack = [focus];
        while (stack.length > 0) {
          var n = stack.pop();
          var w = n === focus ? width : size[n] * scale;
          fragment.appendChild(frameElement(n, (start[n] - start[focus]) * scale, w, false));
          shown++;
          if (depth[n] > deepest) deepest = depth[n];
          // Children are largest first: once one is too narrow to see, so are the rest.
          for (var c = firstChild[n]; c >= 0 && size[c] * scale >= MIN_PX; c = nextSibling[c]) stack.push(c);
        }
        icicle.style.height = (deepest + 1) * ROW + "px";
        icicle.replaceChildren(fragment);
        icicle.dataset.frames = shown;
        var path = document.getElementById("zoom-path");
        path.textContent = focus === 0 ? "" : "Zoomed into " + data.names[nameOf[focus]] + ": " +
          sizeText(size[focus]) + " (" + percent(size[focus], total) + " of " + data.title + ")";
        icicle.dataset.focus = focus;
      }
      function zoom(n) {
        focus = n >= 0 && n < count ? n : 0;
        drawIcicle();
        saveFragment();
      }
      icicle.addEventListener("click", function (event) {
        var element = event.target.closest(".frame");
        if (element) zoom(Number(element.dataset.node));
      });
      icicle.addEventListener("mouseover", function (event) {
        var element = event.target.closest(".frame");
        if (!element) return;
        var n = Number(element.dataset.node);
        document.getElementById("details").textContent = data.names[nameOf[n]] + " \\u2014 " + sizeText(size[n]) +
          " (" + percent(size[n], total) + " of " + data.title + "), " + grouped(allocations[n]) +
          (allocations[n] === 1 ? " allocation" : " allocations");
      });
      document.getElementById("zoom-out").addEventListener("click", function () { zoom(focus > 0 ? parent[focus] : 0); });
      document.getElementById("zoom-reset").addEventListener("click", function () { zoom(0); });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && event.target.id !== "search") zoom(0);
      });

      // Search: frames whose name holds the term are lit; their share counts each byte once.
      var searchBox = document.getElementById("search"), result = document.getElementById("search-result");
      var lowerNames = null;
      function search(term) {
        term = term.trim().toLowerCase();
        matched = null;
        result.textContent = "";
        delete result.dataset.bytes;
        if (term !== "") {
          if (lowerNames === null) lowerNames = data.names.map(function (name) { return name.toLowerCase(); });
          var hit = lowerNames.map(function (name) { return name.indexOf(term) >= 0; });
          matched = new Uint8Array(count);
          var inside = new Uint8Array(count), bytes = 0, frames = 0;
          for (var n = 0; n < count; n++) {
            var above = n > 0 && (inside[parent[n]] || matched[parent[n]]);
            inside[n] = above ? 1 : 0;
            if (hit[nameOf[n]]) {
              matched[n] = 1;
              frames++;
              if (!above) bytes += size[n];
            }
          }
          result.dataset.bytes = bytes;
          result.dataset.frames = frames;
          result.textContent = frames === 0 ? "no frame matches" : frames + (frames === 1 ? " frame matches: " :
            " frames match: ") + sizeText(bytes) + ", " + percent(bytes, total) + " of " + data.title;
        }
        drawIcicle();
        saveFragment();
      }
      searchBox.addEventListener("input", function () { search(searchBox.value); });

      function saveFragment() {
        var parameters = new URLSearchParams();
        if (searchBox.value.trim() !== "") parameters.set("search", searchBox.value.trim());
        if (focus !== 0) parameters.set("zoom", String(focus));
        var fragment = parameters.toString();
        if (fragment === location.hash.slice(1)) return;
        try { history.replaceState(null, "", fragment === "" ? location.pathname + location.search : "#" + fragment); }
        catch (error) { /* A page opened from a file may not be allowed to change its address. */ }
      }
      function loadFragment() {
        var parameters = new URLSearchParams(location.hash.slice(1));
        var zoomTo = Number(parameters.get("zoom") || 0);
        focus = Number.isInteger(zoomTo) && zoomTo >= 0 && zoomTo < count ? zoomTo : 0;
        searchBox.value = parameters.get("search") || "";
        search(searchBox.value);
      }
      window.addEventListener("hashchange", loadFragment);

      // The chart: the heap (each interval's highest) as steps, the exact peak marked at the tick
      // before it, the resident size measured at each tick as a line, the program's markers as
      // labelled lines.
      var SVG = "http://www.w3.org/2000/svg", chart = document.getElementById("chart");
      function svg(tag, attributes, parentElement) {
        var element = document.createElementNS(SVG, tag);
        for (var key in attributes) element.setAttribute(key, attributes[key]);
        parentElement.appendChild(element);
        return element;
      }
      function drawChart() {
        var width = chart.clientWidth || 1000, height = chart.clientHeight || 180;
        var left = 70, right = 12, top = 16, bottom = 22;
        var plotWidth = Math.max(width - left - right, 10), plotHeight = Math.max(height - top - bottom, 10);
        var t = data.timeline, points = t.length / 2, peakUs = data.peak[0], peakBytes = data.peak[1];
        // Between the tick before the peak and the end of its interval: the ticks' resolution.
        var peakTimeText = data.peak[2] > peakUs ? (data.peak[2] < 10000000 ? Math.round(peakUs / 1000) + "\\u2013" :
          timeText(peakUs) + "\\u2013") + timeText(data.peak[2]) : timeText(peakUs);
        var duration = Math.max(data.durationUs, peakUs, points > 0 ? t[(points - 1) * 2] : 0, 1);
        var highest = peakBytes, r = data.resident, residentPoints = r.length / 2, residentHighest = 0;
        for (var i = 0; i < points; i++) highest = Math.max(highest, t[i * 2 + 1]);
        for (i = 0; i < residentPoints; i++) residentHighest = Math.max(residentHighest, r[i * 2 + 1]);
        highest = Math.max(highest, residentHighest);
        highest = Math.max(highest, 1) * 1.08;
        function x(us) { return left + us / duration * plotWidth; }
        function y(bytes) { return top + plotHeight - bytes / highest * plotHeight; }
        var root = document.createElementNS(SVG, "svg");
        root.setAttribute("viewBox", "0 0 " + width + " " + height);
        root.setAttribute("role", "img");
        root.setAttribute("aria-label", "Heap over time; peak " + bytesText(peakBytes) + " at " + peakTimeText +
          (residentPoints > 0 ? "; resident memory up to " + bytesText(residentHighest) : ""));
        if (points > 0) {
          // Steps: each point's height holds over the interval that ends at it.
          var area = "M" + x(t[0]).toFixed(1) + "," + y(t[1]).toFixed(1);
          for (i = 1; i < points; i++) area += "V" + y(t[i * 2 + 1]).toFixed(1) + "H" + x(t[i * 2]).toFixed(1);
          area += "V" + y(0).toFixed(1) + "Z";
          svg("path", { d: area, "class": "heap", id: "chart-heap" }, root);
        }
        if (residentPoints > 0) {
          // The resident size as measured at each tick: a line through the measures.
          var line = "M" + x(r[0]).toFixed(1) + "," + y(r[1]).toFixed(1);
          for (i = 1; i < residentPoints; i++) line += "L" + x(r[i * 2]).toFixed(1) + "," + y(r[i * 2 + 1]).toFixed(1);
          svg("path", { d: line, "class": "resident", id: "chart-resident" }, root);
          // Under the time axis, between its two ends: the top belongs to the peak's and markers' labels.
          var legend = svg("text", { x: left + plotWidth / 2, y: height - 6, "text-anchor": "middle", id: "chart-legend" },
            root);
          svg("tspan", { "class": "heap-label" }, legend).textContent = "\\u25A0 heap  ";
          svg("tspan", { "class": "resident-label" }, legend).textContent =
            "\\u2014 resident, up to " + bytesText(residentHighest);
        }
        svg("line", { x1: left, y1: top, x2: left, y2: top + plotHeight, "class": "axis" }, root);
        svg("line", { x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, "class": "axis" }, root);
        svg("text", { x: left - 6, y: y(peakBytes) + 4, "text-anchor": "end" }, root).textContent = bytesText(peakBytes);
        svg("text", { x: left - 6, y: top + plotHeight + 4, "text-anchor": "end" }, root).textContent = "0";
        svg("text", { x: left, y: height - 6 }, root).textContent = "0 ms";
        svg("text", { x: left + plotWidth, y: height - 6, "text-anchor": "end" }, root).textContent = timeText(duration);
        data.markers.forEach(function (marker) {
          var mx = x(marker[0]);
          svg("line", { x1: mx, y1: top, x2: mx, y2: top + plotHeight, "class": "marker" }, root);
          svg("text", { x: mx + 3, y: top + 10, "class": "marker-label" }, root).textContent = marker[1];
        });
        var peakX = x(peakUs), peakY = y(peakBytes);
        svg("line", { x1: peakX, y1: peakY, x2: peakX, y2: top + plotHeight, "class": "peak-line" }, root);
        svg("circle", { cx: peakX, cy: peakY, r: 4, "class": "peak", id: "chart-peak" }, root);
        var label = svg("text", { x: peakX + (peakX > left + plotWidth * 0.7 ? -8 : 8), y: Math.max(peakY - 4, 11),
          "text-anchor": peakX > left + plotWidth * 0.7 ? "end" : "start", "class": "peak-label", id: "chart-peak-label" }, root);
        label.textContent = "peak " + bytesText(peakBytes) + " at " + peakTimeText;
        chart.replaceChildren(root);
      }

      var resizeTimer = 0;
      window.addEventListener("resize", function () {
        clearTimeout(resizeTimer);
        resizeTimer = setTimeout(function () { drawChart(); drawIcicle(); }, 100);
      });
      drawChart();
      loadFragment();
      document.body.dataset.renderMs = Math.round(performance.now() - began);
      document.body.dataset.ready = "true";
    })();
    """
}
