/*
 * studio.js: the page of `strata studio`. It reads everything through the
 * JSON API (docs/studio.md) with the cookie the server set when the page
 * was opened, and builds the DOM with textContent only: names and values
 * come from the database and the migration files, which others write.
 */
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

async function api(path, method) {
  const opts = { method: method || "GET", credentials: "same-origin", headers: {} };
  if (opts.method !== "GET") opts.headers["X-Strata-Studio"] = "1";
  const r = await fetch("/api/" + path, opts);
  let doc;
  try { doc = await r.json(); } catch (e) { doc = { ok: false, error: { message: "HTTP " + r.status } }; }
  doc.http_status = r.status;
  return doc;
}

function showError(msg) {
  const p = $("error");
  p.textContent = msg;
  p.hidden = !msg;
}

function errorOf(doc) {
  return doc.error && doc.error.message ? doc.error.message : "HTTP " + doc.http_status;
}

/* ---- schema diagram: laid out here, drawn as SVG, no library ---- */

const ROW = 18, HEAD = 22, CHAR = 7.3, PAD = 10, GAP_X = 70, GAP_Y = 40;

function tableKey(t) { return (t.schema ? t.schema + "." : "") + t.name; }

function drawDiagram(model) {
  const host = $("diagram");
  host.textContent = "";
  const tables = (model.tables || []).filter((t) => !t.virtual);
  if (!tables.length) {
    host.appendChild(el("p", {}, "no tables"));
    return;
  }
  const pos = {};
  const cols = Math.max(1, Math.ceil(Math.sqrt(tables.length)));
  const colX = [], rowY = [];
  tables.forEach((t, i) => {
    const fkcols = new Set();
    (t.foreign_keys || []).forEach((fk) => fk.columns.forEach((c) => fkcols.add(c)));
    const pk = new Set(t.primary_key ? t.primary_key.columns : []);
    let w = tableKey(t).length;
    t.columns.forEach((c) => { w = Math.max(w, c.name.length + c.type.length + 6); });
    const box = { t, pk, fkcols, w: Math.ceil(w * CHAR) + 2 * PAD, h: HEAD + ROW * t.columns.length + 6 };
    const cx = i % cols, cy = Math.floor(i / cols);
    colX[cx] = Math.max(colX[cx] || 0, box.w);
    rowY[cy] = Math.max(rowY[cy] || 0, box.h);
    box.cx = cx; box.cy = cy;
    pos[tableKey(t)] = box;
  });
  const offX = [20], offY = [20];
  for (let i = 1; i <= colX.length; i++) offX[i] = offX[i - 1] + colX[i - 1] + GAP_X;
  for (let i = 1; i <= rowY.length; i++) offY[i] = offY[i - 1] + rowY[i - 1] + GAP_Y;
  const W = offX[colX.length], H = offY[rowY.length];
  const root = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
                            "aria-label": "schema diagram", id: "diagram-svg" });
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
                                 markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" });
  marker.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  defs.appendChild(marker);
  root.appendChild(defs);
  const arrows = svg("g", { class: "fks" });
  root.appendChild(arrows);

  for (const key in pos) {
    const b = pos[key];
    b.x = offX[b.cx]; b.y = offY[b.cy];
    const g = svg("g", { class: "tbl", "data-table": key, transform: "translate(" + b.x + "," + b.y + ")" });
    g.appendChild(svg("rect", { class: "box", width: b.w, height: b.h, rx: 4 }));
    g.appendChild(svg("rect", { class: "head", width: b.w, height: HEAD, rx: 4 }));
    g.appendChild(svg("text", { class: "title", x: PAD, y: 15 }, key));
    b.t.columns.forEach((c, i) => {
      const y = HEAD + ROW * i + 14;
      const mark = (b.pk.has(c.name) ? "PK " : "") + (b.fkcols.has(c.name) ? "FK" : "");
      const t = svg("text", { class: "col", x: PAD, y: y, "data-column": c.name }, c.name);
      g.appendChild(t);
      g.appendChild(svg("text", { class: "type", x: PAD + (c.name.length + 1) * CHAR, y: y }, c.type));
      if (mark) g.appendChild(svg("text", { class: "key", x: b.w - PAD - mark.trim().length * CHAR, y: y }, mark.trim()));
    });
    g.addEventListener("click", () => { $("rows-table").value = key; loadRows(0); location.hash = "#data"; });
    root.appendChild(g);
  }
  /* foreign-key arrows: from the column's row to the referenced table */
  for (const key in pos) {
    const b = pos[key];
    (b.t.foreign_keys || []).forEach((fk) => {
      const refKey = (fk.ref_schema ? fk.ref_schema + "." : "") + fk.ref_table;
      const r = pos[refKey] || pos[fk.ref_table];
      if (!r) return;
      const i = Math.max(0, b.t.columns.findIndex((c) => c.name === fk.columns[0]));
      const y1 = b.y + HEAD + ROW * i + 10;
      let refRow = r.t.columns.findIndex((c) => c.name === (fk.ref_columns || [])[0]);
      if (refRow < 0) refRow = 0;
      const y2 = r.y + HEAD + ROW * refRow + 10;
      let d;
      if (r === b || r.cx === b.cx) {
        /* itself, or a table in the same column: a loop on the right */
        const x = b.x + b.w, x2 = r.x + r.w, out = Math.max(x, x2) + 40;
        d = "M" + x + "," + y1 + " C" + out + "," + y1 + " " + out + "," + y2 + " " + x2 + "," + y2;
      } else {
        const right = r.x > b.x + b.w / 2;
        const x1 = right ? b.x + b.w : b.x, x2 = right ? r.x : r.x + r.w;
        const dx = right ? 35 : -35;
        d = "M" + x1 + "," + y1 + " C" + (x1 + dx) + "," + y1 + " " + (x2 - dx) + "," + y2 + " " + x2 + "," + y2;
      }
      arrows.appendChild(svg("path", { class: "fk", d: d, "marker-end": "url(#arrow)",
                                       "data-from": key, "data-to": refKey }));
    });
  }
  host.appendChild(root);
}

/* ---- rows ---- */

let model = null, rowsOffset = 0, rowsTotal = 0;
const PAGE = 50;

function fillTables() {
  const sel = $("rows-table");
  const keep = sel.value;
  sel.textContent = "";
  (model.tables || []).filter((t) => !t.virtual).forEach((t) => {
    sel.appendChild(el("option", { value: tableKey(t) }, tableKey(t)));
  });
  if (keep) sel.value = keep;
  fillColumns();
}

function currentTable() {
  const key = $("rows-table").value;
  return (model.tables || []).find((t) => tableKey(t) === key);
}

function fillColumns() {
  const sel = $("rows-column");
  const t = currentTable();
  sel.textContent = "";
  sel.appendChild(el("option", { value: "" }, "(no filter)"));
  if (t) t.columns.forEach((c) => sel.appendChild(el("option", { value: c.name }, c.name)));
}

async function loadRows(offset) {
  const t = currentTable();
  if (!t) return;
  const q = new URLSearchParams({ table: t.name, offset: String(offset), limit: String(PAGE) });
  if (t.schema) q.set("schema", t.schema);
  if ($("rows-column").value) {
    q.set("column", $("rows-column").value);
    q.set("filter", $("rows-filter").value);
  }
  const doc = await api("rows?" + q.toString());
  const table = $("rows");
  table.textContent = "";
  if (!doc.ok) {
    $("rows-info").textContent = errorOf(doc);
    return;
  }
  rowsOffset = doc.offset;
  rowsTotal = doc.total;
  const head = el("tr");
  doc.columns.forEach((c) => head.appendChild(el("th", {}, c)));
  const thead = el("thead");
  thead.appendChild(head);
  table.appendChild(thead);
  const body = el("tbody");
  doc.rows.forEach((row) => {
    const tr = el("tr");
    row.forEach((v) => tr.appendChild(v === null ? el("td", { class: "null" }, "NULL") : el("td", {}, v)));
    body.appendChild(tr);
  });
  table.appendChild(body);
  const last = Math.min(doc.offset + doc.rows.length, doc.total);
  $("rows-info").textContent = doc.total ? (doc.offset + 1) + "-" + last + " of " + doc.total + " rows" : "no rows";
  $("rows-prev").disabled = doc.offset === 0;
  $("rows-next").disabled = last >= doc.total;
}

/* ---- history ---- */

async function showMigration(m) {
  const doc = await api("migration?version=" + encodeURIComponent(m.version));
  $("migration-sql").hidden = false;
  $("migration-title").textContent = m.version + "_" + m.name + " (" + m.state + ")";
  if (!doc.ok) {
    $("migration-up").textContent = errorOf(doc);
    $("migration-down").textContent = "";
    return;
  }
  $("migration-up").textContent = "-- migrate:up\n" + (doc.sql || "");
  $("migration-down").textContent = doc.down_sql ? "-- migrate:down\n" + doc.down_sql : "-- (no down section)";
}

async function loadHistory() {
  const doc = await api("status");
  const body = $("migrations").querySelector("tbody");
  body.textContent = "";
  if (!doc.ok) {
    $("summary").textContent = errorOf(doc);
    return;
  }
  const s = doc.summary || {};
  $("summary").textContent = Object.keys(s).filter((k) => s[k]).map((k) => s[k] + " " + k).join(", ") || "no migrations";
  doc.migrations.forEach((m) => {
    const tr = el("tr", { class: m.state, "data-version": m.version });
    tr.appendChild(el("td", {}, m.version));
    tr.appendChild(el("td", {}, m.name));
    tr.appendChild(el("td", { class: "state state-" + m.state }, m.state));
    tr.appendChild(el("td", {}, m.batch === null ? "" : m.batch));
    tr.appendChild(el("td", {}, m.applied_at || ""));
    tr.appendChild(el("td", {}, m.applied_at ? m.duration_ms + " ms" : ""));
    const td = el("td");
    const b = el("button", { type: "button" }, "SQL");
    b.addEventListener("click", () => showMigration(m));
    td.appendChild(b);
    tr.appendChild(td);
    body.appendChild(tr);
    if (m.error) {
      const er = el("tr", { class: "failed error-row" });
      er.appendChild(el("td", {}, ""));
      const c = el("td", { colspan: "6", class: "error" }, "error: " + m.error);
      er.appendChild(c);
      body.appendChild(er);
    }
  });
}

/* ---- drift, lint, backups ---- */

async function loadDrift() {
  const doc = await api("drift");
  const host = $("drift-body");
  host.textContent = "";
  if (!doc.changes) {
    host.appendChild(el("p", { class: "error" }, errorOf(doc)));
    return;
  }
  if (!doc.changes.length) {
    host.appendChild(el("p", { class: "state-applied" }, "no drift: the database matches its migrations"));
    return;
  }
  host.appendChild(el("p", { class: "error" }, doc.changes.length + " difference(s) between the database and its migrations:"));
  const ul = el("ul");
  doc.changes.forEach((c) => ul.appendChild(el("li", {}, c.kind + " " + c.object + (c.note ? ": " + c.note : ""))));
  host.appendChild(ul);
  if (doc.up_sql) host.appendChild(el("pre", {}, doc.up_sql));
}

async function loadLint() {
  const doc = await api("lint");
  const host = $("lint-body");
  host.textContent = "";
  if (!doc.findings) {
    host.appendChild(el("p", { class: "error" }, errorOf(doc)));
    return;
  }
  host.appendChild(el("p", {}, doc.errors + " error(s), " + doc.warnings + " warning(s) in " + doc.files + " pending file(s)"));
  const ul = el("ul");
  doc.findings.forEach((f) => {
    const li = el("li", { class: "finding-" + f.severity },
                  f.file + ":" + f.line + ": " + f.severity + " [" + f.rule + "] " + f.message);
    if (f.hint) li.appendChild(el("div", { class: "hint" }, "hint: " + f.hint));
    ul.appendChild(li);
  });
  host.appendChild(ul);
}

async function loadBackups() {
  const doc = await api("backups");
  const host = $("backups-body");
  host.textContent = "";
  if (!doc.backups) {
    host.appendChild(el("p", {}, errorOf(doc)));
    return;
  }
  if (!doc.backups.length) {
    host.appendChild(el("p", {}, "no backups"));
    return;
  }
  const t = el("table", { id: "backups-table" });
  const h = el("tr");
  ["Name", "Taken at", "Bytes", "Named"].forEach((x) => h.appendChild(el("th", {}, x)));
  t.appendChild(h);
  doc.backups.forEach((b) => {
    const tr = el("tr");
    tr.appendChild(el("td", {}, b.name));
    tr.appendChild(el("td", {}, b.created_at));
    tr.appendChild(el("td", {}, b.bytes));
    tr.appendChild(el("td", {}, b.named ? "yes" : ""));
    t.appendChild(tr);
  });
  host.appendChild(t);
}

/* ---- writes: each shows what it will run, then asks ---- */

function ask(title, text, sql) {
  return new Promise((resolve) => {
    const d = $("confirm");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-sql").textContent = sql;
    $("confirm-sql").hidden = !sql;
    d.addEventListener("close", () => resolve(d.returnValue === "yes"), { once: true });
    d.showModal();
  });
}

function say(msg) {
  const p = $("result");
  p.textContent = msg;
  p.hidden = false;
}

function sqlOf(doc) {
  return (doc.migrations || []).map((m) => "-- " + m.version + "_" + m.name + "\n" + (m.sql || "").trim()).join("\n\n");
}

async function write(name, title) {
  let sql = "", text;
  if (name === "backup") {
    text = "Copy the database into its backup folder (.strata-backups) beside it. No SQL is run on the database.";
  } else {
    const plan = await api(name + "?dry_run=1", "POST");
    if (!plan.ok) { say(title + ": " + errorOf(plan)); return; }
    if (!plan.migrations.length) { say("nothing to " + (name === "up" ? "apply" : "roll back")); return; }
    sql = sqlOf(plan);
    text = "This SQL will run, in one transaction where the migrations allow:";
  }
  if (!(await ask(title, text, sql))) { say("cancelled"); return; }
  const doc = await api(name, "POST");
  await refresh();
  if (!doc.ok) say(title + " failed: " + errorOf(doc));
  else if (name === "backup") say("backup taken: " + (doc.path || doc.name || "done"));
  else say((name === "up" ? "applied " : "rolled back ") + doc.migrations.length + " migration(s)");
}

async function refresh() {
  document.body.setAttribute("data-ready", "0");
  showError("");
  const schema = await api("schema");
  if (schema.tables) {
    model = schema;
    drawDiagram(model);
    fillTables();
    if (currentTable()) await loadRows(0);
  } else {
    showError(errorOf(schema));
  }
  await Promise.all([loadHistory(), loadDrift(), loadLint(), loadBackups()]);
  document.body.setAttribute("data-ready", "1");
}

async function main() {
  const cfg = await api("config");
  if (cfg.http_status === 401) {
    showError("not signed in: open the address that strata studio printed (it carries the token)");
    return;
  }
  const st = await api("status");
  $("database").textContent = st.database || "";
  $("mode").textContent = cfg.allow_write ? "writes allowed" : "read-only";
  if (cfg.allow_write) {
    $("mode").classList.add("write");
    $("actions").hidden = false;
    $("do-up").addEventListener("click", () => write("up", "Apply pending migrations"));
    $("do-down").addEventListener("click", () => write("down", "Roll back the last batch"));
    $("do-backup").addEventListener("click", () => write("backup", "Take a backup"));
    if (cfg.engine !== "sqlite") $("do-backup").hidden = true;
  }
  $("rows-form").addEventListener("submit", (e) => { e.preventDefault(); loadRows(0); });
  $("rows-table").addEventListener("change", () => { fillColumns(); loadRows(0); });
  $("rows-prev").addEventListener("click", () => loadRows(Math.max(0, rowsOffset - PAGE)));
  $("rows-next").addEventListener("click", () => loadRows(rowsOffset + PAGE));
  await refresh();
}

main();
