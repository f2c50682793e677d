(function () {
  "use strict";
  // Text from the data is only ever assigned with textContent; links are built only from
  // values that match the DOI / OpenAlex id patterns, and open only when clicked.
  var DOI_RE = /^10\.\d{4,9}\/\S+$/;
  var OPENALEX_RE = /^[WAIS]\d+$/;
  var D = JSON.parse(document.getElementById("cn-data").textContent);
  var N = D.nodes.id, T = D.ties, W = D.works;
  var nN = N.length, nT = T.s.length;
  // The first D.shown.nodes nodes and D.shown.ties ties are drawn on load; the others come
  // in when a search chooses one of those nodes (with its strongest ties).
  var nShown = D.shown.nodes, tShown = D.shown.ties;
  var LIST = 20;  // works listed before "show all"
  var BIG = D.plain_ties_above;  // drawn ties above which the map favours speed (sigmaEngine)

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null && text !== "") { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function fmt(n) { return Number(n).toLocaleString("en-US"); }
  function num(x) {
    if (x === null || x === undefined) { return "n/a"; }
    if (Math.abs(x - Math.round(x)) < 1e-9) { return fmt(Math.round(x)); }
    return Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toPrecision(3);
  }
  function link(href, text, cls) {
    var a = el("a", text, cls);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function doiHref(doi) {
    return (typeof doi === "string" && DOI_RE.test(doi)) ? "https://doi.org/" + doi : null;
  }
  function openalexHref(id) {
    // an institution as it was at another time (I123@until-2018-04-15) links to its institution
    var base = (typeof id === "string") ? id.split("@")[0] : null;
    return (base && OPENALEX_RE.test(base)) ? "https://openalex.org/" + base : null;
  }

  // --- adjacency (CSR: the ties of node i are adj[off[i] .. off[i+1]]) ----------------------
  var off = new Int32Array(nN + 1), adj = new Int32Array(2 * nT);
  (function () {
    var j, fill = new Int32Array(nN);
    for (j = 0; j < nT; j++) { off[T.s[j] + 1]++; off[T.t[j] + 1]++; }
    for (j = 0; j < nN; j++) { off[j + 1] += off[j]; }
    for (j = 0; j < nT; j++) {
      adj[off[T.s[j]] + fill[T.s[j]]++] = j;
      adj[off[T.t[j]] + fill[T.t[j]]++] = j;
    }
  })();
  function other(j, i) { return T.s[j] === i ? T.t[j] : T.s[j]; }
  function tieBetween(a, b) {
    for (var k = off[a]; k < off[a + 1]; k++) { if (other(adj[k], a) === b) { return adj[k]; } }
    return -1;
  }

  // --- state ---------------------------------------------------------------------------------
  var cats = D.categories;
  var hiddenCat = cats.map(function () { return false; });
  var years = D.years;
  var lo = years ? years[0] : null, hi = years ? years[1] : null;
  var tieOK = new Uint8Array(nT).fill(1);
  var nodeOK = new Uint8Array(nN).fill(1);  // 0: no tie in the year range (when narrowed)
  var selected = null;          // {kind: "node", i} | {kind: "tie", j} | {kind: "hop", p, h}
  var focusNodes = null, focusTies = null;
  var pathsOn = false;

  // --- graph and renderer ------------------------------------------------------------------
  var graph = new graphology.Graph({ type: "undirected", multi: false, allowSelfLoops: false });
  var i, j;
  function addNode(k, x, y) {
    graph.addNode(String(k), {
      i: k, x: x, y: y, size: D.nodes.size[k], label: D.nodes.label[k],
      color: cats[D.nodes.cat[k]].color, forceLabel: k < D.labels_always
    });
  }
  var wmax = 0;
  for (j = 0; j < nT; j++) { wmax = Math.max(wmax, T.wf[j] || T.w[j] || 1); }
  function addTie(t) {
    var strength = (T.wf[t] || T.w[t] || 1) / (wmax || 1);
    graph.addEdgeWithKey(String(t), String(T.s[t]), String(T.t[t]), {
      j: t, size: 0.4 + 2.6 * Math.sqrt(strength), color: "#c8c8c8"
    });
  }
  function onMap(k) { return graph.hasNode(String(k)); }
  function tieOnMap(t) { return graph.hasEdge(String(t)); }
  for (i = 0; i < nShown; i++) { addNode(i, D.nodes.x[i], D.nodes.y[i]); }
  for (j = 0; j < tShown; j++) { addTie(j); }

  // A node not drawn on load: placed among its neighbours on the map, with its ties.
  function bringIn(k) {
    if (onMap(k)) { return; }
    var sx = 0, sy = 0, n = 0, a, o, t;
    for (a = off[k]; a < off[k + 1]; a++) {
      o = other(adj[a], k);
      if (onMap(o)) { sx += graph.getNodeAttribute(String(o), "x"); sy += graph.getNodeAttribute(String(o), "y"); n++; }
    }
    var x = n ? sx / n : 0, y = n ? sy / n : 0, r = 60, step = 0;
    addNode(k, x + 15, y + 15);
    for (a = off[k]; a < off[k + 1]; a++) {
      t = adj[a]; o = other(t, k);
      if (!onMap(o)) {
        addNode(o, x + 15 + r * Math.cos(step * 2.39996), y + 15 + r * Math.sin(step * 2.39996));
        step++;
      }
      if (!tieOnMap(t)) { addTie(t); }
    }
    if (years) { applyYears(); } else { updateCount(); }
  }

  function nodeReducer(key, data) {
    var k = data.i;
    var isSelected = selected && selected.kind === "node" && selected.i === k;
    if (hiddenCat[D.nodes.cat[k]] || (!nodeOK[k] && !isSelected)) { return Object.assign({}, data, { hidden: true }); }
    if (focusNodes) {
      if (!focusNodes.has(k)) {
        return Object.assign({}, data, { color: "#e3e3e3", label: null, forceLabel: false, zIndex: 0 });
      }
      var isSel = selected && selected.kind === "node" && selected.i === k;
      return Object.assign({}, data, {
        zIndex: 1, forceLabel: isSel || focusNodes.size <= 40 || data.forceLabel, highlighted: isSel
      });
    }
    return data;
  }

  function edgeReducer(key, data) {
    var k = data.j;
    if (!tieOK[k]) { return Object.assign({}, data, { hidden: true }); }
    if (focusTies) {
      if (!focusTies.has(k)) { return Object.assign({}, data, { hidden: true }); }
      var isSel = selected && ((selected.kind === "tie" && selected.j === k) ||
        (selected.kind === "hop" && hopTie(selected.p, selected.h) === k));
      return Object.assign({}, data, { color: isSel ? "#d62728" : "#555", zIndex: 1, size: Math.max(data.size, isSel ? 3 : 1.5) });
    }
    return data;
  }

  // --- engines: sigma.js (WebGL) or vis-network (canvas), behind the same calls -------------
  function sigmaEngine() {
    // Above BIG drawn ties, ties are drawn as plain lines and are not clickable (a second,
    // picking pass over every tie would double the drawing); their works are in the nodes'
    // details and the paths' hops.
    var big = tShown > BIG;
    var settings = {
      enableEdgeEvents: !big,
      hideEdgesOnMove: big,
      zIndex: true,
      renderEdgeLabels: false,
      labelRenderedSizeThreshold: nN > 2000 ? 10 : 5,
      labelDensity: 0.6,
      labelGridCellSize: 90,
      labelFont: "system-ui, sans-serif",
      minCameraRatio: 0.005,
      maxCameraRatio: 4,
      nodeReducer: nodeReducer,
      edgeReducer: edgeReducer
    };
    // sigma's "line" type is a thick rectangle; a big map replaces it with plain lines
    if (big) { settings.edgeProgramClasses = { line: Sigma.rendering.EdgeLineProgram }; }
    var r = new Sigma(graph, $("cn-map"), settings);
    return {
      sigma: r,
      plainTies: big,
      refresh: function () { r.refresh({ skipIndexation: true }); },
      onClick: function (onNode, onTie) {
        r.on("clickNode", function (e) { onNode(e.node); });
        r.on("clickEdge", function (e) { onTie(e.edge); });
      },
      centre: function (key) {
        var d = r.getNodeDisplayData(key), cam = r.getCamera();
        if (d) { cam.animate({ x: d.x, y: d.y, ratio: Math.min(cam.ratio, 0.25) }, { duration: 400 }); }
      },
      layers: function () { return r.getCanvases(); },
      viewport: function (key) { return r.graphToViewport(graph.getNodeAttributes(key)); },
      isHidden: function (key) { var d = r.getNodeDisplayData(key); return !d || !!d.hidden; }
    };
  }
  function visEngine() {
    function nodeItem(key) {
      var d = nodeReducer(key, graph.getNodeAttributes(key));
      return { id: key, x: d.x, y: -d.y, size: 2 * d.size, label: d.label || "", hidden: !!d.hidden,
        color: { background: d.color, border: d.highlighted ? "#000" : d.color } };
    }
    function edgeItem(key) {
      var d = edgeReducer(key, graph.getEdgeAttributes(key));
      return { id: key, from: graph.source(key), to: graph.target(key), width: d.size,
        color: { color: d.color, highlight: "#d62728" }, hidden: !!d.hidden };
    }
    var nodes = new vis.DataSet(graph.mapNodes(nodeItem));
    var edges = new vis.DataSet(graph.mapEdges(edgeItem));
    var r = new vis.Network($("cn-map"), { nodes: nodes, edges: edges }, {
      physics: false,
      nodes: { shape: "dot", font: { size: 12, face: "system-ui, sans-serif" } },
      edges: { smooth: false, selectionWidth: 0 },
      interaction: { hover: false, tooltipDelay: 3600000, selectConnectedEdges: false }
    });
    graph.on("nodeAdded", function (e) { nodes.add(nodeItem(e.key)); });
    graph.on("edgeAdded", function (e) { edges.add(edgeItem(e.key)); });
    return {
      vis: r,
      refresh: function () { nodes.update(graph.mapNodes(nodeItem)); edges.update(graph.mapEdges(edgeItem)); },
      onClick: function (onNode, onTie) {
        r.on("click", function (e) {
          if (e.nodes.length) { onNode(String(e.nodes[0])); } else if (e.edges.length) { onTie(String(e.edges[0])); }
        });
      },
      centre: function (key) { r.focus(key, { scale: Math.max(r.getScale(), 1.2), animation: { duration: 400 } }); },
      layers: function () { return { nodes: $("cn-map").querySelector("canvas") }; },
      viewport: function (key) { var p = r.getPositions([key])[key]; return r.canvasToDOM(p); },
      isHidden: function (key) { var n = nodes.get(key); return !n || !!n.hidden; }
    };
  }
  var renderer = D.engine === "vis-network" ? visEngine() : sigmaEngine();

  function redraw() { renderer.refresh(); }

  // --- header ----------------------------------------------------------------------------
  function visible(k) { return onMap(k) && nodeOK[k] && !hiddenCat[D.nodes.cat[k]]; }
  function updateCount() {
    var vn = 0, vt = 0;
    graph.forEachNode(function (key, data) { if (visible(data.i)) { vn++; } });
    graph.forEachEdge(function (key, data) {
      var b = data.j;
      if (tieOK[b] && visible(T.s[b]) && visible(T.t[b])) { vt++; }
    });
    updateLegend();
    $("cn-count").textContent = fmt(vn) + " of " + fmt(D.total.nodes) + " " + D.noun + " · " +
      fmt(vt) + " of " + fmt(D.total.ties) + " ties";
  }

  // --- works lists -------------------------------------------------------------------------
  function yearNarrowed() { return years && (lo > years[0] || hi < years[1]); }
  function inRange(w) {
    var y = W.year[w];
    return !yearNarrowed() || (y !== null && y >= lo && y <= hi);
  }
  function byNewest(a, b) {
    var ya = W.year[a] === null ? -1e4 : W.year[a], yb = W.year[b] === null ? -1e4 : W.year[b];
    return yb - ya || (W.id[a] < W.id[b] ? -1 : W.id[a] > W.id[b] ? 1 : 0);
  }
  // A work of more than D.consortium authors (a cut list counts as more): a tie that rests
  // only on such works is no sign of close collaboration.
  function consortium(w) { return W.team[w] !== null && (W.team[w] > D.consortium || W.cut[w]); }
  function consortiumOnly(ws) { return ws.length > 0 && ws.every(consortium); }
  function workItem(w) {
    var li = el("li");
    if (W.year[w] !== null) { li.appendChild(el("span", W.year[w] + " ")); }
    li.appendChild(el("span", W.title[w] || "(no title on record)", "cn-title"));
    var meta = el("div", null, "cn-meta");
    var doiUrl = doiHref(W.doi[w]);
    if (doiUrl) { meta.appendChild(link(doiUrl, "doi:" + W.doi[w], "cn-doi")); }
    else if (W.doi_text[w]) { meta.appendChild(el("span", "DOI as recorded (not linked): " + W.doi_text[w], "cn-muted")); }
    var oa = openalexHref(W.id[w]);
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(oa ? link(oa, W.id[w], "cn-wid") : el("span", W.id[w], "cn-wid"));
    if (W.team[w] !== null) {
      meta.appendChild(document.createTextNode(" · " + (W.cut[w] ? fmt(W.team[w]) + "+" : fmt(W.team[w])) + " authors"));
    }
    if (consortium(w)) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "[consortium paper]", "cn-consortium")); }
    if (W.retracted[w]) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "[RETRACTED]", "cn-retracted")); }
    li.appendChild(meta);
    return li;
  }
  function workList(box, list) {
    list = list.filter(inRange).sort(byNewest);
    var head = "Works" + (yearNarrowed() ? " in " + lo + "–" + hi : "") + ": " + fmt(list.length);
    box.appendChild(el("h3", head));
    if (!list.length) { box.appendChild(el("p", "No joint works on record" + (yearNarrowed() ? " in these years." : "."), "cn-muted")); return; }
    var ul = el("ul", null, "cn-works");
    box.appendChild(ul);
    function fill(n) { for (var k = ul.children.length; k < Math.min(n, list.length); k++) { ul.appendChild(workItem(list[k])); } }
    showAll(box, list.length, fill, "works");
  }
  // The first LIST items now, and a "show all" button for the rest.
  function showAll(box, total, fill, kind) {
    fill(LIST);
    if (total <= LIST) { return; }
    var more = el("button", "show all " + fmt(total), "cn-linkish");
    more.type = "button";
    more.dataset.more = kind;
    more.addEventListener("click", function () { fill(total); more.remove(); });
    box.appendChild(more);
  }
  function clearDetails() {
    var box = $("cn-details");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    return box;
  }
  function idLine(box, id) {
    var p = el("p", "id: ");
    var oa = openalexHref(id);
    p.appendChild(oa ? link(oa, id, "cn-wid") : el("span", id, "cn-wid"));
    box.appendChild(p);
  }

  function showNode(k) {
    var box = clearDetails();
    box.appendChild(el("h3", D.nodes.label[k], "cn-node-label"));
    idLine(box, N[k]);
    var cat = cats[D.nodes.cat[k]];
    box.appendChild(el("p", (D.noun === "authors" ? "most often signs with: " : "category: ") + cat.label));
    if (D.nodes.rule[k]) { box.appendChild(el("p", "rule: " + D.nodes.rule[k], "cn-muted")); }
    if (D.nodes.source[k]) { box.appendChild(el("p", "source: " + D.nodes.source[k], "cn-muted")); }
    if (D.nodes.changes && D.nodes.changes[k]) {
      box.appendChild(el("p", "category through time: " + D.nodes.changes[k], "cn-dated"));
    }
    if (D.nodes.designations && D.nodes.designations[k]) {
      box.appendChild(el("p", "designations: " + D.nodes.designations[k], "cn-dated"));
    }
    if (D.nodes.country[k]) { box.appendChild(el("p", "country: " + D.nodes.country[k])); }
    if (D.nodes.ror[k]) { box.appendChild(el("p", "ROR: " + D.nodes.ror[k], "cn-muted")); }
    var onmap = 0;
    for (var c = off[k]; c < off[k + 1]; c++) { if (tieOnMap(adj[c])) { onmap++; } }
    var line = "works: " + num(D.nodes.n_works[k]) + " · collaborators on the map: " + fmt(onmap);
    Object.keys(D.measures).forEach(function (m) { line += " · " + m + ": " + num(D.measures[m][k]); });
    box.appendChild(el("p", line));
    collaborators(box, k);
    var seen = new Set();
    for (var a = off[k]; a < off[k + 1]; a++) {
      if (tieOnMap(adj[a])) { T.works[adj[a]].forEach(function (w) { seen.add(w); }); }
    }
    workList(box, Array.from(seen));
  }
  // The node's ties on the map, by the neighbour's category (in the legend's order), then
  // strongest first; each opens the works of that tie.
  function collaborators(box, k) {
    var ties = [];
    for (var a = off[k]; a < off[k + 1]; a++) { if (tieOnMap(adj[a]) && tieOK[adj[a]]) { ties.push(adj[a]); } }
    if (!ties.length) { return; }
    ties.sort(function (x, y) {
      var cx = D.nodes.cat[other(x, k)], cy = D.nodes.cat[other(y, k)];
      return cx - cy || (T.w[y] || 0) - (T.w[x] || 0) || other(x, k) - other(y, k);
    });
    box.appendChild(el("h3", "Collaborators: " + fmt(ties.length)));
    var ul = el("ul", null, "cn-collaborators");
    box.appendChild(ul);
    function fill(n) {
      for (var i = ul.children.length; i < Math.min(n, ties.length); i++) {
        var t = ties[i], o = other(t, k), li = el("li"), b = el("button", null, "cn-linkish");
        var sw = el("span", null, "cn-swatch");
        sw.style.background = cats[D.nodes.cat[o]].color;
        b.type = "button";
        b.dataset.node = N[o];
        b.appendChild(el("span", D.nodes.label[o]));
        li.appendChild(sw);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(b);
        li.appendChild(el("span", " · " + cats[D.nodes.cat[o]].label + " · " + fmt(T.w[t] || 0) + " joint works" +
          (consortiumOnly(T.works[t]) ? " (consortium papers only)" : ""), "cn-muted"));
        b.addEventListener("click", (function (tie) { return function () { selectTie(tie); }; })(t));
        ul.appendChild(li);
      }
    }
    showAll(box, ties.length, fill, "collaborators");
  }
  function tieTitle(a, b) { return D.nodes.label[a] + " — " + D.nodes.label[b]; }
  function showTie(t) {
    var box = clearDetails();
    box.appendChild(el("h3", tieTitle(T.s[t], T.t[t])));
    var years_ = T.fy[t] === null ? "" : " · " + T.fy[t] + (T.ly[t] !== null && T.ly[t] !== T.fy[t] ? "–" + T.ly[t] : "");
    box.appendChild(el("p", "joint works: " + num(T.w[t]) + " (fractional " + num(T.wf[t]) + ")" + years_));
    if (consortiumOnly(T.works[t])) {
      box.appendChild(el("p", "Rests only on consortium papers (more than " + D.consortium + " authors each): no sign of a close collaboration.", "cn-consortium"));
    }
    workList(box, T.works[t].slice());
  }
  function hopTie(p, h) { var hop = D.paths[p].hops[h]; return tieBetween(hop.s, hop.t); }
  function showHop(p, h) {
    var hop = D.paths[p].hops[h];
    var box = clearDetails();
    box.appendChild(el("h3", tieTitle(hop.s, hop.t)));
    box.appendChild(el("p", "path " + (p + 1) + ", hop " + (h + 1) + (hop.consortium_only ? " · rests on consortium papers only" : ""), "cn-muted"));
    workList(box, hop.works.slice());
  }

  // --- selection and focus -----------------------------------------------------------------
  function setFocus() {
    focusNodes = null; focusTies = null;
    if (selected && selected.kind === "node") {
      var k = selected.i;
      focusNodes = new Set([k]); focusTies = new Set();
      for (var a = off[k]; a < off[k + 1]; a++) {
        if (tieOnMap(adj[a])) { focusTies.add(adj[a]); focusNodes.add(other(adj[a], k)); }
      }
    } else if (selected && selected.kind === "tie") {
      focusNodes = new Set([T.s[selected.j], T.t[selected.j]]); focusTies = new Set([selected.j]);
    } else if (pathsOn) {
      focusNodes = new Set(); focusTies = new Set();
      D.paths.forEach(function (p, pi) {
        p.nodes.forEach(function (n) { focusNodes.add(n); });
        p.hops.forEach(function (h, hi_) { var t = hopTie(pi, hi_); if (t >= 0) { focusTies.add(t); } });
      });
    }
    redraw();
  }
  function selectNode(k) { selected = { kind: "node", i: k }; showNode(k); setFocus(); }
  function selectTie(t) { selected = { kind: "tie", j: t }; showTie(t); setFocus(); }
  function selectHop(p, h) { selected = pathsOn ? { kind: "hop", p: p, h: h } : null; showHop(p, h); setFocus(); }
  function clearSelection() {
    selected = null; setFocus();
    var box = clearDetails();
    box.appendChild(el("p", "Click a dot or a line to see the works behind it.", "cn-muted"));
  }
  renderer.onClick(
    function (key) { selectNode(graph.getNodeAttribute(key, "i")); },
    function (key) { selectTie(graph.getEdgeAttribute(key, "j")); }
  );
  $("cn-reset").addEventListener("click", clearSelection);

  function centreOn(k) {
    renderer.centre(String(k));
  }

  // --- legend ------------------------------------------------------------------------------
  var legendButtons = [], legendText = [];
  function updateLegend() {
    var counts = cats.map(function () { return 0; });
    graph.forEachNode(function (key, data) { if (nodeOK[data.i]) { counts[D.nodes.cat[data.i]]++; } });
    cats.forEach(function (c, ci) { legendText[ci].textContent = c.label + " (" + fmt(counts[ci]) + ")"; });
  }
  (function () {
    var counts = cats.map(function () { return 0; });
    for (var a = 0; a < nN; a++) { counts[D.nodes.cat[a]]++; }
    var ul = $("cn-legend");
    cats.forEach(function (c, ci) {
      var li = el("li"), b = el("button");
      b.type = "button";
      b.dataset.category = c.key;
      b.setAttribute("aria-pressed", "true");
      var sw = el("span", null, "cn-swatch");
      sw.style.background = c.color;
      b.appendChild(sw);
      var text = el("span", c.label);
      legendText.push(text);
      b.appendChild(text);
      if (!counts[ci]) { b.disabled = true; }
      b.addEventListener("click", function () { setCategory(ci, !hiddenCat[ci]); });
      legendButtons.push(b);
      li.appendChild(b);
      ul.appendChild(li);
    });
  })();
  function setCategory(ci, hide) {
    hiddenCat[ci] = hide;
    legendButtons[ci].setAttribute("aria-pressed", hide ? "false" : "true");
    if (hide && selected && selected.kind === "node" && D.nodes.cat[selected.i] === ci) { clearSelection(); }
    updateCount();
    redraw();
  }

  // --- year range --------------------------------------------------------------------------
  function applyYears() {
    if (!years) { return; }
    var from = $("cn-year-from"), to = $("cn-year-to");
    lo = Math.min(+from.value, +to.value); hi = Math.max(+from.value, +to.value);
    $("cn-years-label").textContent = lo + "–" + hi;
    var all = !yearNarrowed();
    for (var t = 0; t < nT; t++) {
      if (all) { tieOK[t] = 1; continue; }
      var ws = T.works[t], ok = 0, known = false;
      for (var k = 0; k < ws.length; k++) {
        var y = W.year[ws[k]];
        if (y !== null) { known = true; if (y >= lo && y <= hi) { ok = 1; break; } }
      }
      if (!known) { ok = (T.fy[t] === null || (T.fy[t] <= hi && (T.ly[t] === null ? T.fy[t] : T.ly[t]) >= lo)) ? 1 : 0; }
      tieOK[t] = ok;
    }
    nodeOK.fill(all ? 1 : 0);
    if (!all) {
      graph.forEachEdge(function (key, data) {
        if (tieOK[data.j]) { nodeOK[T.s[data.j]] = 1; nodeOK[T.t[data.j]] = 1; }
      });
    }
    updateCount();
    if (selected && selected.kind === "node") { showNode(selected.i); }
    else if (selected && selected.kind === "tie") { showTie(selected.j); }
    redraw();
  }
  if (years) {
    ["cn-year-from", "cn-year-to"].forEach(function (id, k) {
      var r = $(id);
      r.min = years[0]; r.max = years[1]; r.value = years[k];
      r.addEventListener("input", applyYears);
    });
    $("cn-years-label").textContent = years[0] + "–" + years[1];
  } else {
    $("cn-years-block").hidden = true;
  }

  // --- search ------------------------------------------------------------------------------
  var lower = null, sugg = [], active = -1;
  var input = $("cn-search"), box = $("cn-suggestions");
  function matches(q) {
    if (!lower) { lower = D.nodes.label.map(function (s) { return s.toLowerCase(); }); }
    var exact = [], prefix = [], inner = [];
    for (var k = 0; k < nN && exact.length + prefix.length < 10; k++) {
      var id = N[k].toLowerCase(), ror = (D.nodes.ror[k] || "").toLowerCase();
      if (id === q || (ror && (ror === q || ror.endsWith("/" + q)))) { exact.push(k); }
      else if (lower[k].startsWith(q)) { prefix.push(k); }
      else if (inner.length < 10 && (lower[k].indexOf(q) >= 0 || (q.length >= 4 && ror.indexOf(q) >= 0))) { inner.push(k); }
    }
    return exact.concat(prefix, inner).slice(0, 10);
  }
  function renderSuggestions() {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    sugg.forEach(function (k, n) {
      var li = el("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", n === active ? "true" : "false");
      li.dataset.index = String(k);
      li.appendChild(el("span", D.nodes.label[k]));
      li.appendChild(el("span", " · " + N[k] + " · " + cats[D.nodes.cat[k]].label +
        (k < nShown ? "" : " · not on the map yet"), "cn-muted"));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(k); });
      box.appendChild(li);
    });
    box.hidden = sugg.length === 0;
    input.setAttribute("aria-expanded", sugg.length ? "true" : "false");
  }
  function choose(k) {
    sugg = []; active = -1; renderSuggestions();
    input.value = D.nodes.label[k];
    bringIn(k);
    if (hiddenCat[D.nodes.cat[k]]) { setCategory(D.nodes.cat[k], false); }
    selectNode(k);
    centreOn(k);
  }
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    sugg = q ? matches(q) : [];
    active = sugg.length ? 0 : -1;
    renderSuggestions();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && sugg.length) { active = (active + 1) % sugg.length; renderSuggestions(); e.preventDefault(); }
    else if (e.key === "ArrowUp" && sugg.length) { active = (active - 1 + sugg.length) % sugg.length; renderSuggestions(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { choose(sugg[active]); e.preventDefault(); }
    else if (e.key === "Escape") { sugg = []; renderSuggestions(); }
  });
  input.addEventListener("blur", function () { sugg = []; renderSuggestions(); });

  // --- paths -------------------------------------------------------------------------------
  var toggle = $("cn-paths-toggle");
  if (toggle) {
    var list = $("cn-paths");
    D.paths.forEach(function (p, pi) {
      var li = el("li");
      li.appendChild(el("span", p.nodes.map(function (n) { return D.nodes.label[n]; }).join(" → ")));
      var hops = el("div");
      p.hops.forEach(function (h, hi_) {
        var b = el("button", "hop " + (hi_ + 1) + ": " + tieTitle(h.s, h.t) + " (" + fmt(h.works.length) + " works)");
        b.type = "button";
        b.className = "cn-hop";
        b.addEventListener("click", function () { selectHop(pi, hi_); });
        hops.appendChild(b);
        hops.appendChild(el("br"));
      });
      li.appendChild(hops);
      list.appendChild(li);
    });
    toggle.addEventListener("change", function () {
      pathsOn = toggle.checked;
      list.hidden = !pathsOn;
      if (selected && selected.kind !== "hop") { selected = null; }
      setFocus();
    });
  }

  // --- PNG export of the current view ------------------------------------------------------
  var lastExport = null;
  function exportPNG() {
    renderer.refresh();  // draws now, so the WebGL buffers are readable
    var layers = renderer.layers(), base = layers.edges || layers.nodes;
    var out = document.createElement("canvas");
    out.width = base.width; out.height = base.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ["edges", "edgeLabels", "nodes", "labels", "hovers", "hoverNodes"].forEach(function (name) {
      if (layers[name]) { ctx.drawImage(layers[name], 0, 0, out.width, out.height); }
    });
    out.toBlob(function (blob) {
      var url = URL.createObjectURL(blob);
      lastExport = { width: out.width, height: out.height, bytes: blob.size, type: blob.type };
      var a = document.createElement("a");
      a.href = url;
      a.download = "collabnet-map.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }, "image/png");
  }
  $("cn-export").addEventListener("click", exportPNG);

  updateCount();
  window.collabnetExplorer = {
    renderer: renderer, graph: graph, data: D,
    selected: function () { return selected; },
    lastExport: function () { return lastExport; },
    selectNode: selectNode, bringIn: bringIn
  };
})();
