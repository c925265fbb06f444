// Parse Mermaid files with Mermaid's own parser (no browser): jsdom supplies the DOM
// mermaid's sanitiser (DOMPurify) expects. Prints one JSON line per file.
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";
const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  try {
    const res = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = db.getVertices();
    const out = {
      file, ok: true, type: res.diagramType,
      vertices: Object.fromEntries([...vertices].map(([id, v]) => [id, v.text])),
      edges: db.getEdges().map(e => [e.start, e.end, e.text]),
      subgraphs: db.getSubGraphs().map(s => [s.id, s.title, s.nodes]),
    };
    console.log(JSON.stringify(out));
  } catch (e) {
    failed++;
    console.log(JSON.stringify({ file, ok: false, error: String(e.message || e) }));
  }
}
process.exit(failed ? 1 : 0);
