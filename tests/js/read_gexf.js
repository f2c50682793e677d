// Read a GEXF file as Gephi-like tools do, strictly, and print the graph as JSON.
//
//   node read_gexf.js FILE.gexf
//
// graphology-gexf's parser with addMissingNodes and allowUndeclaredAttributes off: an
// edge to an unknown node or an attribute value without a declared attribute is an
// error. The XML itself is parsed by @xmldom/xmldom with every warning and error fatal
// (its default only logs them). Exits 1 with the error message on stderr.
'use strict';

const fs = require('fs');
const {DOMParser} = require('@xmldom/xmldom');
const Graph = require('graphology');
const gexf = require('graphology-gexf');

function fail(message) {
  process.stderr.write(String(message) + '\n');
  process.exit(1);
}

const text = fs.readFileSync(process.argv[2], 'utf8');
let doc;
try {
  doc = new DOMParser({
    onError: (level, message) => fail(`xml ${level}: ${message}`),
    errorHandler: {
      warning: message => fail(`xml warning: ${message}`),
      error: message => fail(`xml error: ${message}`),
      fatalError: message => fail(`xml fatal error: ${message}`),
    },
  }).parseFromString(text, 'application/xml');
} catch (error) {
  fail(error.message);
}
let graph;
try {
  graph = gexf.parse(Graph, doc, {addMissingNodes: false, allowUndeclaredAttributes: false});
} catch (error) {
  fail(error.message);
}
const out = {
  type: graph.type,
  attributes: graph.getAttributes(),
  nodes: graph.mapNodes((key, attributes) => ({key, attributes})),
  edges: graph.mapEdges((key, attributes, source, target) => ({source, target, attributes})),
};
process.stdout.write(JSON.stringify(out));
