// Drives Swagger UI as an auditor does, evaluated in the page by tests/api/swagger.rs: authorize
// with a token in the dialog, then on every GET operation (or those of `only`) expand it, click
// "Try it out" and "Execute" with the values Swagger UI pre-fills. Only empty required fields
// are filled: a path's `{id}` from `ids`, a required query parameter from `required`. Answers
// per operation the pre-filled and the filled values and the status shown; on the ledger's CSV
// answer it clicks "Download file" too.
async (token, ids, required, only) => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Generous: a page on a busy machine; only a hang ends here.
  const until = async (what, found) => {
    for (let i = 0; i < 2400; i++) {
      const value = found();
      if (value) return value;
      await sleep(50);
    }
    throw new Error("Swagger UI never showed " + what);
  };
  // React reads a field's value from its input event; text fields debounce it.
  const setValue = async (field, value) => {
    const prototype = field.tagName === "SELECT" ? HTMLSelectElement.prototype
      : field.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(prototype, "value").set.call(field, value);
    field.dispatchEvent(new Event(field.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
    await sleep(600);
  };
  await until("its operations", () => document.querySelectorAll(".opblock").length > 0);

  document.querySelector(".auth-wrapper .btn.authorize").click();
  const dialog = await until("the authorization dialog", () => document.querySelector(".modal-ux"));
  const bearer = [...dialog.querySelectorAll(".auth-container")]
    .find((box) => /\bbearer\b/.test(box.querySelector("h4")?.textContent || ""));
  if (!bearer) throw new Error("no bearer scheme in the authorization dialog");
  await setValue(bearer.querySelector("input"), token);
  bearer.querySelector("button.authorize").click();
  await until("the bearer token accepted", () =>
    [...bearer.querySelectorAll("button")].some((b) => /Logout/.test(b.textContent)));
  dialog.querySelector("button.close-modal").click();

  const results = [];
  for (const block of document.querySelectorAll(".opblock.opblock-get")) {
    const path = block.querySelector(".opblock-summary-path").getAttribute("data-path");
    if (only && !only.includes(path)) continue;
    const started = performance.now();
    const result = { path, summary: block.querySelector(".opblock-summary-description")?.textContent || "",
      prefilled: {}, filled: {} };
    results.push(result);
    block.querySelector(".opblock-summary-control").click();
    (await until("Try it out on " + path, () => block.querySelector(".try-out__btn"))).click();
    await until("Execute on " + path, () => block.querySelector(".execute"));
    for (const row of block.querySelectorAll("tr[data-param-name]")) {
      const name = row.getAttribute("data-param-name");
      const where = row.getAttribute("data-param-in");
      const field = row.querySelector("input:not([type=file]), select, textarea");
      if (!field) continue;
      const key = where + ":" + name;
      if (field.value !== "") {
        result.prefilled[key] = field.value;
      } else if (row.querySelector(".parameter__name.required")) {
        const value = where === "path" ? (ids[path + " " + name] ?? ids[path]) : required[name];
        if (value === undefined) throw new Error(path + ": nothing to fill the required " + key);
        await setValue(field, String(value));
        result.filled[key] = String(value);
      }
    }
    block.querySelector(".execute").click();
    result.status = await until("an answer on " + path, () => {
      const cell = block.querySelector(".live-responses-table .response .response-col_status");
      if (cell) return cell.firstChild.textContent.trim();
      const refused = block.querySelector("input.invalid, select.invalid, textarea.invalid");
      if (refused) return "refused by Swagger UI: " + refused.getAttribute("title") + " (" + refused.placeholder + ")";
      return null;
    });
    const download = block.querySelector(".live-responses-table a[download]");
    if (download) {
      result.download = download.getAttribute("download");
      download.click();
    }
    // Folded again, so that the page does not keep rendering every answer.
    block.querySelector(".opblock-summary-control").click();
    result.ms = Math.round(performance.now() - started);
  }
  return results;
}
