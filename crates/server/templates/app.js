// custseg dashboard: upload a file, start a run, watch it, cancel it. Everything else is plain
// links and forms. Requests carry the session's CSRF token in a header.
"use strict";
(function () {
  const csrf = document.body.dataset.csrf || "";
  const $ = (id) => document.getElementById(id);

  async function call(method, url, body, type) {
    const headers = { "X-CSRF-Token": csrf };
    if (type) headers["Content-Type"] = type;
    const r = await fetch(url, { method, headers, body, credentials: "same-origin" });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) {
      const detail = data && data.detail ? data.detail : r.status + " " + r.statusText;
      throw new Error(detail);
    }
    return data;
  }

  function fail(el, err) {
    if (!el) return;
    el.textContent = err.message || String(err);
    el.hidden = false;
    el.focus && el.focus();
  }

  const upload = $("upload-form");
  if (upload) {
    upload.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = $("upload-file").files[0];
      if (!file) return;
      const kind = $("upload-kind").value;
      $("upload-error").hidden = true;
      $("upload-status").textContent = "…";
      $("upload-button").disabled = true;
      try {
        const url = "/api/v1/datasets?name=" + encodeURIComponent(file.name) + "&kind=" + encodeURIComponent(kind);
        const d = await call("POST", url, file, "application/octet-stream");
        $("upload-status").textContent = "#" + d.id + " " + d.name + " ✓";
        window.location.reload();
      } catch (err) {
        $("upload-status").textContent = "";
        fail($("upload-error"), err);
      } finally {
        $("upload-button").disabled = false;
      }
    });
  }

  const start = $("run-form");
  if (start) {
    start.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { transactions: Number($("run-transactions").value) };
      const customers = $("run-customers").value;
      if (customers) body.customers = Number(customers);
      const asOf = $("run-as-of").value.trim();
      if (asOf) body.as_of = asOf;
      $("run-error").hidden = true;
      try {
        const r = await call("POST", "/api/v1/runs", JSON.stringify(body), "application/json");
        window.location.href = "/runs/" + r.id;
      } catch (err) {
        fail($("run-error"), err);
      }
    });
  }

  const compare = document.querySelector("[data-compare]");
  if (compare) {
    compare.addEventListener("submit", (ev) => {
      ev.preventDefault();
      window.location.href = "/runs/" + $("cmp-a").value + "/diff/" + $("cmp-b").value;
    });
  }

  const run = $("run");
  if (run && (run.dataset.status === "queued" || run.dataset.status === "running")) {
    const stages = ["queued", "ingest", "features", "classify", "write", "store"];
    const id = run.dataset.run;
    const tick = async () => {
      try {
        const r = await call("GET", "/api/v1/runs/" + id);
        if (r.status !== "queued" && r.status !== "running") {
          window.location.reload();
          return;
        }
        const k = stages.indexOf(r.stage || "queued");
        $("run-progress").value = Math.max(0, k);
        $("run-stage").textContent = r.stage ? " · " + r.stage : "";
        if (r.rows_read != null) $("run-rows").textContent = r.rows_read.toLocaleString() + " …";
      } catch (err) {
        /* the next tick tries again */
      }
      setTimeout(tick, 500);
    };
    setTimeout(tick, 300);
  }

  const cancel = $("cancel-run");
  if (cancel) {
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try {
        await call("DELETE", "/api/v1/runs/" + cancel.dataset.cancel);
      } catch (err) {
        cancel.disabled = false;
        alert(err.message);
      }
    });
  }
})();
