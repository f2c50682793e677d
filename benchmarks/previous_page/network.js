(function () {
  "use strict";
  // Text from the data is only ever assigned with textContent: nothing in it is parsed as HTML.
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null && text !== "") { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function num(x) {
    if (x === null || x === undefined) { return "n/a"; }
    if (Math.abs(x - Math.round(x)) < 1e-9) { return String(Math.round(x)); }
    return Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toPrecision(3);
  }
  var nodes = data("cn-nodes"), edges = data("cn-edges"), works = data("cn-works"), options = data("cn-options");

  function workList(box, ids, more) {
    if (!ids.length) { box.appendChild(el("p", "No joint works on record.", "cn-muted")); return; }
    var ul = el("ul");
    ids.forEach(function (w) {
      var info = works[w], li = el("li");
      li.appendChild(el("span", w, "cn-wid"));
      if (info) {
        if (info.year !== null) { li.appendChild(document.createTextNode(" (" + info.year + ")")); }
        if (info.doi) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", info.doi, "cn-doi")); }
        if (info.title) { li.appendChild(document.createTextNode(" — " + info.title)); }
        if (info.authors !== null && info.authors !== undefined) {
          li.appendChild(document.createTextNode(" · " + info.authors + (info.authors_cut ? "+" : "") + " authors"));
          if (info.consortium) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "[consortium paper]", "cn-muted")); }
        }
        if (info.retracted) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "[RETRACTED]", "cn-retracted")); }
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
    if (more > 0) { box.appendChild(el("p", "and " + more + " more", "cn-muted")); }
  }
  function nodeTip(c) {
    var box = el("div", null, "cn-tip");
    box.appendChild(el("h2", c.label));
    box.appendChild(el("p", c.category + (c.country ? " · " + c.country : "") + " · id " + c.id));
    if (c.institutions) { box.appendChild(el("p", c.institutions, "cn-muted")); }
    if (c.categories) { box.appendChild(el("p", "affiliation categories (works): " + c.categories, "cn-muted")); }
    if (c.rule) { box.appendChild(el("p", "label rule: " + c.rule + (c.matched_by ? " · matched by " + c.matched_by : ""), "cn-muted")); }
    if (c.source) { box.appendChild(el("p", "source: " + c.source, "cn-muted")); }
    box.appendChild(el("p", "works: " + num(c.n_works) + " · collaborators: " + c.degree + " · " + c.measure + ": " + num(c.value)));
    workList(box, c.works, c.more);
    return box;
  }
  function edgeTip(c) {
    var box = el("div", null, "cn-tip");
    box.appendChild(el("h2", c.a + " — " + c.b));
    var years = c.first_year === null ? "" : " · " + c.first_year + (c.last_year !== null && c.last_year !== c.first_year ? "–" + c.last_year : "");
    box.appendChild(el("p", "joint works: " + num(c.weight) + " (fractional " + num(c.weight_fractional) + ")" + years));
    workList(box, c.works, c.more);
    return box;
  }
  nodes.forEach(function (n) { n.title = nodeTip(n.cn); delete n.cn; });
  edges.forEach(function (e) { e.title = edgeTip(e.cn); delete e.cn; });

  var container = document.getElementById("cn-network");
  var network = new vis.Network(container, { nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges) }, options);
  network.fit({ animation: false });
  // A handful of nodes would otherwise be blown up to fill the screen.
  if (network.getScale() > 1.2) { network.moveTo({ scale: 1.2, animation: false }); }
  window.collabnetNetwork = network;
}());
