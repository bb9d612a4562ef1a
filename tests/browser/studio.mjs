// tests/browser/studio.mjs: drive strata studio's page in a real browser
// (Debian's chromium through playwright-core; no browser is downloaded),
// for tests/cli/t6010-studio-browser.sh.
//
// usage: node studio.mjs URL SHOTS_DIR TABLES FKS UP_SQL DOWN_SQL BETWEEN
//   one browser, one page, in turn:
//   - the diagram shows TABLES (a,b) and the foreign keys FKS (a->b); a
//     table's rows (users: ada and bob), then filtered; the history with
//     applied (batch), pending (its SQL) and failed (its error) migrations;
//     drift and lint filled in;
//   - Apply pending is refused while a migration is failed, and says why;
//   - the shell command BETWEEN runs (the test resolves the failed one);
//   - Apply pending shows UP_SQL in its confirmation, then applies;
//   - Roll back shows DOWN_SQL, then rolls back.
// Screenshots go to SHOTS_DIR. Prints "ok: ..." lines; exits 1 after
// "not ok: ..." at the first failure.
import { chromium } from "playwright-core";
import fs from "node:fs";
import { execSync } from "node:child_process";

const [url, shots, tables, fks, upSql, downSql, between] = process.argv.slice(2);
const exe = process.env.STRATA_CHROMIUM || "/usr/bin/chromium";
fs.mkdirSync(shots, { recursive: true });

function check(cond, what) {
  if (!cond) throw new Error(what);
  console.log("ok: " + what);
}

const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-extensions", "--disable-background-networking"],
});
let code = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // generous: CI runs the sanitizer build on a busy machine
  page.setDefaultTimeout(60000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // an API answer of 4xx/5xx is logged as "Failed to load resource": the
  // refusals are meant; script errors are not
  page.on("console", (m) => { if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector("body[data-ready='1']", { timeout: 60000 });
  check(!new URL(page.url()).searchParams.get("token"), "the token left the address bar");
  {
    const names = await page.$$eval("#diagram-svg g.tbl", (gs) => gs.map((g) => g.getAttribute("data-table")));
    for (const t of tables.split(",")) check(names.some((n) => n === t || n.endsWith("." + t)), "the diagram shows table " + t);
    const arrows = await page.$$eval("#diagram-svg path.fk", (ps) => ps.map((p) => p.getAttribute("data-from") + "->" + p.getAttribute("data-to")));
    for (const a of fks.split(",")) check(arrows.some((x) => x.replace(/\w+\./g, "") === a), "the diagram draws the foreign key " + a);
    await page.screenshot({ path: shots + "/diagram.png", fullPage: false });
    // rows of the users table, then filtered
    const key = names.find((n) => n === "users" || n.endsWith(".users"));
    await page.selectOption("#rows-table", key);
    await page.locator("#rows tbody tr").first().waitFor();
    const cells = await page.$$eval("#rows tbody td", (ts) => ts.map((t) => t.textContent));
    check(cells.includes("ada@example.com") && cells.includes("bob@example.com"), "the rows of users are shown");
    await page.selectOption("#rows-column", "email");
    await page.fill("#rows-filter", "bob");
    await page.click("#rows-go");
    await page.locator("#rows-info", { hasText: /^1-1 of 1 rows$/ }).waitFor();
    const one = await page.$$eval("#rows tbody td", (ts) => ts.map((t) => t.textContent));
    check(one.includes("bob@example.com") && !one.includes("ada@example.com"), "the filter keeps only matching rows");
    await page.locator("#data").screenshot({ path: shots + "/rows.png" });
    // history
    const states = await page.$$eval("#migrations tbody tr[data-version]", (trs) => trs.map((t) => t.getAttribute("data-version") + ":" + t.querySelector(".state").textContent));
    check(states.some((s) => s.endsWith(":applied")), "the history shows applied migrations");
    check(states.some((s) => s.endsWith(":pending")), "the history shows a pending migration");
    check(states.some((s) => s.endsWith(":failed")), "the history shows a failed migration");
    const err = await page.textContent("#migrations tr.error-row");
    check(/error: /.test(err), "the failed migration's error is shown: " + err.trim().slice(0, 60));
    const batch = await page.$$eval("#migrations tbody tr.applied td:nth-child(4)", (ts) => ts.map((t) => t.textContent));
    check(batch.length > 0 && batch.every((b) => /^\d+$/.test(b)), "applied migrations show their batch");
    await page.click("#migrations tbody tr.pending button");
    await page.locator("#migration-up", { hasText: "migrate:up" }).waitFor();
    check((await page.textContent("#migration-up")).includes("CREATE TABLE"), "a pending migration's SQL is shown");
    await page.locator("#history").screenshot({ path: shots + "/history.png" });
    check((await page.textContent("#drift-body")).length > 0, "the drift section is filled");
    check(/error\(s\)/.test(await page.textContent("#lint-body")), "the lint section is filled");
    await page.screenshot({ path: shots + "/page.png", fullPage: true });
  }
  check(await page.isVisible("#actions"), "--allow-write: the write buttons are shown");
  // a failed migration stops up: the page says so and changes nothing
  await page.click("#do-up");
  await page.locator("#result", { hasText: "failed" }).waitFor({ timeout: 60000 });
  const refused = await page.textContent("#result");
  check(/recorded as failed/.test(refused), "apply is refused while a migration is failed: " + refused.slice(0, 70));
  await page.screenshot({ path: shots + "/refused.png" });
  execSync(between, { stdio: "inherit" });
  await page.reload();
  await page.waitForSelector("body[data-ready='1']", { timeout: 60000 });
  for (const [step, want] of [["up", upSql], ["down", downSql]]) {
    await page.click(step === "up" ? "#do-up" : "#do-down");
    await page.waitForSelector("#confirm[open]");
    const sql = await page.textContent("#confirm-sql");
    check(sql.includes(want), "the confirmation of " + step + " shows its SQL first (" + want + ")");
    await page.screenshot({ path: shots + "/confirm-" + step + ".png" });
    await page.click("#confirm-yes");
    await page.locator("#result", { hasText: step === "up" ? /^applied/ : /^rolled back/ }).waitFor({ timeout: 60000 });
    check(true, "the page says: " + await page.textContent("#result"));
    await page.screenshot({ path: shots + "/after-" + step + ".png", fullPage: true });
  }
  check(errors.length === 0, "no script errors on the page" + (errors.length ? ": " + errors.join("; ") : ""));
} catch (e) {
  console.log("not ok: " + e.message);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
