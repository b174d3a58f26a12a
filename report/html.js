/* html.js - draws conch's HTML report from the JSON data in the page
 * (report/report_html*.c write it; scripts/embed.sh puts this file into
 * report_html_assets.c). No library, no network: plain DOM and SVG.
 *
 * Classes the browser test looks for: span.verdict.<verdict>, tr.part,
 * g.row (a process of a timeline), rect.op (.ok .info .fail, and .minimal
 * .maybe .cannot .failop .linked .anomaly as marked), rect.fault,
 * polyline.lin / polyline.cx (a linearization through its points),
 * path.link (a session violation's ops in order). */
"use strict";
(function () {
  var D = JSON.parse(document.getElementById("conch-data").textContent);
  var root = document.getElementById("conch");
  var NS = "http://www.w3.org/2000/svg";
  var zoom = 1;
  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948",
                 "#9c755f", "#e15759", "#bab0ac", "#ff9da7"];
  var TYPES = ["ok", "info", "fail"];
  var MARKS = [[1, "minimal"], [2, "maybe"], [4, "cannot"], [8, "failop"],
               [16, "linked"], [32, "anomaly"]];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sv(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function badge(v) { return el("span", "verdict " + v.replace("/", ""), v.toUpperCase()); }
  /* A table row of cells: strings are text, nodes go in as they are. */
  function row(cls, cells) {
    var r = el("tr", cls);
    cells.forEach(function (c) {
      var td = el("td", c && c.cls);
      if (c && c.nodes) c.nodes.forEach(function (n) { if (n) td.appendChild(n); });
      else td.textContent = c;
      r.appendChild(td);
    });
    return r;
  }
  function table(cls, heads) {
    var t = el("table", cls), tr = el("tr");
    heads.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    t.appendChild(tr);
    return t;
  }
  function rank(v) { return {invalid: 0, error: 0, unknown: 1, valid: 2, "n/a": 3}[v]; }

  var tip = el("div", "tip");
  tip.style.display = "none";
  document.body.appendChild(tip);
  function showTip(ev, text) {
    tip.textContent = text;
    tip.style.display = "block";
    tip.style.left = Math.min(ev.pageX + 14, window.scrollX + window.innerWidth - 420) + "px";
    tip.style.top = (ev.pageY + 14) + "px";
  }
  function hideTip() { tip.style.display = "none"; }

  /* Times: microseconds from the history's first time, or event positions. */
  function fmt(F, t) {
    if (F.axis !== "time") return "#" + t;
    return (t / 1e6).toFixed(6) + " s";
  }

  function header() {
    var h = el("h1");
    h.appendChild(document.createTextNode("conch report: "));
    h.appendChild(badge(D.verdict));
    root.appendChild(h);
    if (D.files.length > 1) {
      var ul = el("ul", "index");
      D.files.slice().sort(function (a, b) { return rank(a.verdict) - rank(b.verdict); })
        .forEach(function (F) {
          var li = el("li");
          li.appendChild(badge(F.verdict));
          var a = el("a", null, " " + F.file);
          a.href = "#f" + D.files.indexOf(F);
          li.appendChild(a);
          ul.appendChild(li);
        });
      root.appendChild(ul);
    }
    var z = el("div", "zoom");
    z.appendChild(document.createTextNode("timelines: "));
    [["wider", 2], ["narrower", 0.5]].forEach(function (b) {
      var btn = el("button", null, b[0]);
      btn.onclick = function () { zoom = Math.max(0.25, Math.min(64, zoom * b[1])); redraw(); };
      z.appendChild(btn);
    });
    root.appendChild(z);
  }

  function checksTable(F) {
    var t = table("checks", ["check", "verdict", ""]);
    F.checks.slice().sort(function (a, b) { return rank(a.verdict) - rank(b.verdict); })
      .forEach(function (c) {
        t.appendChild(row("check " + c.verdict.replace("/", ""),
          [c.name, {nodes: [badge(c.verdict)]}, {nodes: [el("pre", null, c.text)]}]));
      });
    return t;
  }

  function partsTable(F, fi) {
    var t = table("parts", ["part", "verdict", "ops", "decided", ""]);
    var drawn = {};
    F.timelines.forEach(function (tl, k) { if (tl.part >= 0) drawn[tl.part] = k; });
    var told = 0;
    F.parts.forEach(function (p) {
      var a = null, text = null;
      if (p.text) { /* the first three open, the others a click away */
        text = el("details");
        if (told++ < 3) text.open = true;
        text.appendChild(el("summary", null, p.verdict === "invalid" ? "why" : "details"));
        text.appendChild(el("pre", null, p.text));
      }
      if (p.index in drawn) {
        a = el("a", null, "timeline");
        a.href = "#t" + fi + "-" + drawn[p.index];
      }
      t.appendChild(row("part " + p.verdict, [p.name, {nodes: [badge(p.verdict)]},
        {cls: "num", nodes: [document.createTextNode(String(p.ops))]}, p.how,
        {nodes: [a, text]}]));
    });
    return t;
  }

  /* ---- a timeline ---- */

  function window_of(F, tl) {
    var o = tl.op, t0 = Infinity, t1 = -Infinity;
    for (var i = 0; i < o.s.length; i++) {
      t0 = Math.min(t0, o.s[i]);
      t1 = Math.max(t1, o.s[i], o.e[i]);
    }
    if (t1 <= t0) t1 = t0 + 1;
    return [t0, t1 + (t1 - t0) * 0.01];
  }

  function opText(F, tl, i) {
    var o = tl.op, S = F.strings;
    var s = tl.procs[o.p[i]] + " " + F.fs[o.f[i]];
    if (S[o.v[i]] !== "nil") s += " " + S[o.v[i]];
    if (o.r[i] >= 0 && o.r[i] !== o.v[i]) s += " -> " + S[o.r[i]];
    s += "\n" + TYPES[o.y[i]] + (o.e[i] < 0 ? ", never completed" : "") + "; " +
      fmt(F, o.s[i]) + (o.e[i] >= 0 ? " to " + fmt(F, o.e[i]) : "");
    s += "\nlines " + o.l[i] + (o.m[i] ? "-" + o.m[i] : "");
    if (o.ver[i] >= 0) s += ", version " + o.ver[i];
    if (o.nd[i] >= 0) s += ", node " + S[o.nd[i]];
    var m = [];
    MARKS.forEach(function (k) { if (o.k[i] & k[0]) m.push(k[1]); });
    if (m.length) s += "\n" + m.join(", ");
    return s;
  }

  function faultBands(F, g, X, t0, t1, h, cls) {
    F.faults.forEach(function (f) {
      var e = f.e < 0 ? t1 : f.e;
      if (e < t0 || f.s > t1) return;
      var x1 = X(Math.max(f.s, t0)), x2 = X(Math.min(e, t1));
      var r = sv("rect", {"class": cls || "fault", x: x1, y: 0, width: Math.max(x2 - x1, 1.5),
                          height: h}, g);
      sv("title", {}, r).textContent = f.f + (f.v ? " " + f.v : "") + ": " + fmt(F, f.s) +
        (f.e < 0 ? " to the end" : f.e !== f.s ? " to " + fmt(F, f.e) : "");
    });
  }

  function axis(F, g, X, t0, t1, y) {
    for (var k = 0; k <= 5; k++) {
      var t = t0 + (t1 - t0) * k / 5, x = X(t);
      sv("line", {"class": "tick", x1: x, x2: x, y1: y, y2: y + 4}, g);
      sv("text", {"class": "tick", x: x, y: y + 14, "text-anchor": "middle"}, g)
        .textContent = fmt(F, Math.round(t));
    }
  }

  function density(F, tl, t0, t1, W, L) {
    var d = tl.density, n = d.ok.length, H = 22, max = 1;
    for (var i = 0; i < n; i++) max = Math.max(max, d.ok[i] + d.info[i] + d.fail[i]);
    var s = sv("svg", {"class": "density", width: L + W + 10, height: H + 2});
    var span = d.b * n, X = function (t) { return L + (t - d.t0) / span * W; };
    for (i = 0; i < n; i++) {
      var y = H;
      ["ok", "info", "fail"].forEach(function (k) {
        var h = d[k][i] / max * H;
        if (h > 0) sv("rect", {"class": "d " + k, x: X(d.t0 + i * d.b), y: y - h,
                               width: Math.max(W / n, 1), height: h}, s);
        y -= h;
      });
    }
    sv("rect", {"class": "window", x: X(t0), y: 0, width: Math.max(X(t1) - X(t0), 2),
                height: H}, s);
    sv("text", {"class": "tick", x: 2, y: 14}).textContent = "";
    var lab = sv("text", {"class": "tick", x: 4, y: 14}, s);
    lab.textContent = "all " + tl.total + " ops";
    return s;
  }

  function drawTimeline(F, tl, fi, k) {
    var box = el("div", "timeline");
    box.id = "t" + fi + "-" + k;
    var h3 = el("h3");
    h3.appendChild(document.createTextNode((tl.name || "the history") + " "));
    h3.appendChild(badge(tl.verdict));
    var n = tl.op.s.length;
    h3.appendChild(el("span", "note", n < tl.total ?
      " " + n + " of its " + tl.total + " ops drawn (ops " + (tl.from + 1) + "-" + (tl.from + n) +
      " by invocation), around what the checks point at" : " " + n + " ops"));
    box.appendChild(h3);
    var tw = window_of(F, tl), t0 = tw[0], t1 = tw[1];
    var L = 110, W = Math.round(1100 * zoom), RH = 16, top = 8;
    if (n < tl.total) box.appendChild(density(F, tl, t0, t1, W, L));
    var H = top + tl.procs.length * RH + 24;
    var s = sv("svg", {"class": "tl", width: L + W + 10, height: H});
    var X = function (t) { return L + (t - t0) / (t1 - t0) * W; };
    var rowY = function (p) { return top + p * RH; };
    faultBands(F, s, X, t0, t1, H - 22);
    var rows = [];
    tl.procs.forEach(function (name, p) {
      var g = sv("g", {"class": "row"}, s);
      if (p % 2) sv("rect", {"class": "stripe", x: L, y: rowY(p), width: W, height: RH}, g);
      sv("text", {"class": "proc", x: L - 6, y: rowY(p) + RH - 4, "text-anchor": "end"}, g)
        .textContent = name;
      rows.push(g);
    });
    var o = tl.op, local = {};
    for (var i = 0; i < n; i++) {
      local[o.id[i]] = i;
      var x1 = X(o.s[i]), x2 = o.e[i] < 0 ? X(t1) : X(o.e[i]);
      var cls = "op " + TYPES[o.y[i]] + (o.e[i] < 0 ? " open" : "");
      MARKS.forEach(function (m) { if (o.k[i] & m[0]) cls += " " + m[1]; });
      sv("rect", {"class": cls, x: x1, y: rowY(o.p[i]) + 3, width: Math.max(x2 - x1, 2),
                  height: RH - 6, "data-i": i}, rows[o.p[i]]);
    }
    var mid = function (i) { return rowY(o.p[i]) + RH / 2; };
    ["lin", "cx"].forEach(function (name) {
      if (!tl[name] || !tl[name].length) return;
      var pts = [], shown = tl[name].filter(function (q) { return q[0] in local; });
      shown.forEach(function (q) { pts.push(X(q[1]) + "," + mid(local[q[0]])); });
      if (pts.length > 1) sv("polyline", {"class": name, points: pts.join(" ")}, s);
      shown.forEach(function (q) {
        sv("circle", {"class": "lp " + name, cx: X(q[1]), cy: mid(local[q[0]]), r: 3}, s);
      });
      if (name === "cx" && shown.length) { /* to the ops that cannot follow */
        var last = shown[shown.length - 1];
        for (var j = 0; j < n; j++)
          if (o.k[j] & 4) {
            sv("line", {"class": "cannot-edge", x1: X(last[1]), y1: mid(local[last[0]]),
                        x2: X(o.s[j]), y2: mid(j)}, s);
            sv("text", {"class": "cannot-mark", x: X(o.s[j]) - 4, y: mid(j) + 4}, s)
              .textContent = "\u2717";
          }
      }
    });
    (tl.links || []).forEach(function (l) {
      if (!(l[0] in local) || !(l[1] in local)) return;
      var a = local[l[0]], b = local[l[1]];
      var xa = o.e[a] < 0 ? X(o.s[a]) : X(o.e[a]), xb = X(o.s[b]);
      sv("path", {"class": "link", d: "M" + xa + "," + mid(a) + " C" + (xa + 20) + "," + mid(a) +
                  " " + (xb - 20) + "," + mid(b) + " " + xb + "," + mid(b),
                  "marker-end": "url(#arrow)"}, s);
    });
    axis(F, s, X, t0, t1, H - 20);
    s.addEventListener("mousemove", function (ev) {
      var i = ev.target.getAttribute && ev.target.getAttribute("data-i");
      if (i === null || i === undefined) { hideTip(); return; }
      showTip(ev, opText(F, tl, +i));
    });
    s.addEventListener("mouseleave", hideTip);
    box.appendChild(s);
    if (tl.cx_state !== undefined)
      box.appendChild(el("p", "note", "the furthest order of the counterexample (circles on " +
        "the line) leaves the object " + tl.cx_state + "; \u2717 marks the ops that cannot " +
        "follow. Outlined: the counterexample's ops; dashed: those counted optional."));
    return box;
  }

  /* ---- perf: latency and rate over time ---- */

  function perf(F) {
    var P = F.perf, box = el("div", "perf");
    box.appendChild(el("h3", null, "latency and throughput"));
    var L = 70, W = Math.round(1100 * zoom), H = 260, end = P.end;
    var X = function (t) { return L + t / end * W; };
    var series = P.series;
    var maxLat = 1;
    series.forEach(function (q) { q.max.forEach(function (v) { maxLat = Math.max(maxLat, v); }); });
    var lmax = Math.log10(maxLat * 1.5), lmin = 0;
    var Y = function (v) { return 10 + (H - 40) * (1 - (Math.log10(Math.max(v, 1)) - lmin) / (lmax - lmin)); };
    var s = sv("svg", {"class": "latency", width: L + W + 180, height: H});
    faultBands(F, s, X, 0, end, H - 30, "fault perfband");
    var color = function (f) { return PALETTE[f % PALETTE.length]; };
    for (var i = 0; i + 2 < P.pt.length; i += 3) {
      var q = series[P.pt[i + 2]], x = X(P.pt[i]), y = Y(P.pt[i + 1]);
      if (q.y === 0) sv("circle", {"class": "pt ok", cx: x, cy: y, r: 1.6, fill: color(q.f)}, s);
      else sv("rect", {"class": "pt " + TYPES[q.y], x: x - 2, y: y - 2, width: 4, height: 4,
                      fill: color(q.f)}, s);
    }
    series.forEach(function (q, k) {
      var pts = [];
      for (var b = 0; b < q.n.length; b++)
        if (q.n[b]) pts.push(X((b + 0.5) * P.b) + "," + Y(q.p95[b]));
      if (pts.length > 1) sv("polyline", {"class": "p95 " + TYPES[q.y], points: pts.join(" "),
                                          stroke: color(q.f)}, s);
      var ly = 16 + k * 14;
      sv("rect", {x: L + W + 12, y: ly - 8, width: 10, height: 8, fill: color(q.f)}, s);
      sv("text", {"class": "tick", x: L + W + 26, y: ly}, s).textContent =
        F.fs[q.f] + " " + TYPES[q.y];
    });
    [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].forEach(function (v) {
      if (v > maxLat * 1.5) return;
      sv("text", {"class": "tick", x: L - 6, y: Y(v) + 4, "text-anchor": "end"}, s).textContent =
        v >= 1e6 ? v / 1e6 + " s" : v >= 1e3 ? v / 1e3 + " ms" : v + " \u00b5s";
      sv("line", {"class": "grid", x1: L, x2: L + W, y1: Y(v), y2: Y(v)}, s);
    });
    axis(F, s, X, 0, end, H - 28);
    box.appendChild(el("p", "note", "latency of each op at its invocation (log scale; " +
      (P.stride > 1 ? "one op in " + P.stride + " drawn; " : "") + "lines: the 95th " +
      "percentile per bucket), by kind (colour) and outcome (dot ok, square info or fail)"));
    box.appendChild(s);
    var R = sv("svg", {"class": "rate", width: L + W + 180, height: 180});
    var maxR = 1;
    TYPES.forEach(function (k) { P[k].forEach(function (v) { maxR = Math.max(maxR, v); }); });
    var YR = function (v) { return 10 + 130 * (1 - v / maxR); };
    faultBands(F, R, X, 0, end, 150, "fault perfband");
    TYPES.forEach(function (k, j) {
      var pts = P[k].map(function (v, b) { return X((b + 0.5) * P.b) + "," + YR(v); });
      sv("polyline", {"class": "rate " + k, points: pts.join(" ")}, R);
      sv("text", {"class": "tick " + k, x: L + W + 12, y: 20 + j * 14}, R).textContent = k;
    });
    sv("text", {"class": "tick", x: L - 6, y: YR(maxR) + 4, "text-anchor": "end"}, R)
      .textContent = Math.round(maxR / P.b * 1e6) + "/s";
    axis(F, R, X, 0, end, 150);
    box.appendChild(el("p", "note", "throughput: ops completed per second, by outcome"));
    box.appendChild(R);
    return box;
  }

  function fileSection(F, fi) {
    var sec = el("section", "file");
    sec.id = "f" + fi;
    var h = el("h2");
    h.appendChild(badge(F.verdict));
    h.appendChild(document.createTextNode(" " + F.file));
    sec.appendChild(h);
    if (F.verdict === "error") {
      sec.appendChild(el("pre", "error", F.error));
      return sec;
    }
    sec.appendChild(el("p", null, F.summary + "; " + F.model));
    sec.appendChild(checksTable(F));
    if (F.parts.length) {
      sec.appendChild(partsTable(F, fi));
      if (F.parts_more)
        sec.appendChild(el("p", "note", "and " + F.parts_more + " more parts, all valid"));
    }
    if (F.faults.length)
      sec.appendChild(el("p", "note", F.faults.length + " fault" +
        (F.faults.length > 1 ? "s" : "") + " of the nemesis, shaded on the timelines"));
    F.timelines.forEach(function (tl, k) { sec.appendChild(drawTimeline(F, tl, fi, k)); });
    if (F.groups > F.timelines.length)
      sec.appendChild(el("p", "note", (F.groups - F.timelines.length) + " more parts not drawn " +
        "(the report draws at most a set number of ops; the violations first)"));
    if (F.perf) sec.appendChild(perf(F));
    return sec;
  }

  function redraw() {
    while (root.firstChild) root.removeChild(root.firstChild);
    header();
    var defs = sv("svg", {width: 0, height: 0, "class": "defs"});
    var m = sv("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
                          markerWidth: 6, markerHeight: 6, orient: "auto"},
               sv("defs", {}, defs));
    sv("path", {d: "M0,0 L10,5 L0,10 z", "class": "arrowhead"}, m);
    root.appendChild(defs);
    D.files.forEach(function (F, fi) { root.appendChild(fileSection(F, fi)); });
  }
  redraw();
})();
