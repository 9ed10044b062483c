// rcmz 网页工作台：表单的列表操作、实时检查、保存对话框与 Ctrl+S。
// 所有文字来自服务器（<body data-strings>）；本文件不含界面文字。
(function () {
  "use strict";
  var S = {};
  try { S = JSON.parse(document.body.getAttribute("data-strings") || "{}"); } catch (e) { S = {}; }

  var form = document.getElementById("edit-form");
  if (!form) { return; }

  var counter = 0;
  var timer = null;
  var sequence = 0;
  var controller = null;
  var DELAY = 300;

  function body(extra) {
    var data = new URLSearchParams(new FormData(form));
    if (extra) { Object.keys(extra).forEach(function (k) { data.set(k, extra[k]); }); }
    return data;
  }

  function post(url, extra, signal) {
    return fetch(url, {method: "POST", body: body(extra), credentials: "same-origin", signal: signal,
                       headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (json) { return {status: response.status, json: json}; });
      });
  }

  // --- live check ------------------------------------------------------------------------
  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, DELAY);
  }

  function check() {
    timer = null;
    var mine = ++sequence;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var summary = document.getElementById("check-summary");
    summary.classList.add("busy");
    post(form.getAttribute("data-check"), null, controller.signal).then(function (r) {
      if (mine !== sequence) { return; }
      summary.classList.remove("busy");
      if (r.status === 409) { showConflict(r.json); return; }
      show(r.json);
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      summary.classList.remove("busy");
      summary.textContent = (S.checkFailed || "").replace("{reason}", String(error));
    });
  }

  function list(id, lines) {
    var ul = document.getElementById(id);
    ul.textContent = "";
    (lines || []).forEach(function (line) {
      var li = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = line;
      li.appendChild(code);
      ul.appendChild(li);
    });
  }

  function show(result) {
    document.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; });
    document.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    document.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    Object.keys(result.fields || {}).forEach(function (id) {
      var target = document.getElementById(id + "-error") || document.getElementById("f--error");
      result.fields[id].forEach(function (message) {
        var span = document.createElement("span");
        span.className = "msg msg-" + message.severity;
        span.textContent = message.text;
        target.appendChild(span);
      });
      var input = document.getElementById(id);
      if (input) {
        if (result.fields[id].some(function (m) { return m.severity === "error"; })) {
          input.setAttribute("aria-invalid", "true");
        }
        var wrap = input.closest(".field, fieldset");
        if (wrap) { wrap.classList.add("has-error"); }
      }
    });
    Object.keys(result.dates || {}).forEach(function (id) {
      var note = document.getElementById(id + "-note");
      if (note) { note.textContent = result.dates[id]; }
    });
    var summary = document.getElementById("check-summary");
    summary.textContent = result.summary || "";
    summary.className = "check-summary " + (result.errors ? "bad" : (result.warnings ? "warn" : "good"));
    list("check-lines", result.lines);
    list("check-others", result.others);
    document.getElementById("check-others-wrap").hidden = !(result.others && result.others.length);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // --- lists of objects and optional objects -----------------------------------------------
  function renumber(items) {
    Array.prototype.forEach.call(items.children, function (item, index) {
      var number = item.querySelector(".item-n");
      if (!number) { return; }
      number.textContent = (S.itemLabel || "{n}").replace("{n}", String(index + 1));
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.getAttribute("data-action");
    if (action === "add") {
      var listId = button.getAttribute("data-list");
      var depth = button.getAttribute("data-depth");
      var template = document.getElementById(listId + "-template");
      var items = document.getElementById(listId + "-items");
      var key = "n" + Date.now().toString(36) + (++counter);
      var html = template.innerHTML.split("__KEY" + depth + "__").join(key);
      items.insertAdjacentHTML("beforeend", html);
      renumber(items);
      var added = items.lastElementChild;
      var first = added.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
      schedule();
      return;
    }
    var item = button.closest("fieldset.item");
    var container = item.parentElement;
    if (action === "remove") {
      var next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber(container);
      var focus = next ? next.querySelector("button[data-action=remove]") :
        container.parentElement.querySelector("button[data-action=add]");
      if (focus) { focus.focus(); }
    } else if (action === "up" && item.previousElementSibling) {
      container.insertBefore(item, item.previousElementSibling);
      renumber(container);
      button.focus();
    } else if (action === "down" && item.nextElementSibling) {
      container.insertBefore(item.nextElementSibling, item);
      renumber(container);
      button.focus();
    }
    schedule();
  });

  form.addEventListener("change", function (event) {
    var toggle = event.target.closest("input[data-toggle]");
    if (!toggle) { return; }
    var target = document.getElementById(toggle.getAttribute("data-toggle"));
    target.disabled = !toggle.checked;
    target.hidden = !toggle.checked;
    if (toggle.checked) {
      var first = target.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    }
  });

  // --- save --------------------------------------------------------------------------------
  var dialog = document.getElementById("save-dialog");
  var status = document.getElementById("save-dialog-status");
  var message = document.getElementById("commit-message");
  var confirmBox = document.getElementById("confirm-comments");
  var confirmButton = document.getElementById("save-confirm");
  var saving = false;

  function open() {
    if (!dialog.open) { dialog.showModal(); }
  }

  function reset() {
    status.textContent = "";
    document.getElementById("save-dialog-diff").innerHTML = "";
    document.getElementById("save-dialog-pending").hidden = true;
    document.getElementById("save-dialog-lost").hidden = true;
    document.getElementById("save-dialog-reload").hidden = true;
    document.getElementById("save-dialog-form").hidden = false;
    confirmButton.hidden = false;
    confirmBox.checked = false;
  }

  function showConflict(json) {
    reset();
    status.textContent = json.message;
    document.getElementById("save-dialog-diff").innerHTML =
      "<p>" + escapeHtml(json.diff_title || "") + "</p>" + (json.diff || "");
    document.getElementById("save-dialog-form").hidden = true;
    confirmButton.hidden = true;
    var reload = document.getElementById("save-dialog-reload");
    reload.hidden = false;
    document.getElementById("reload-link").setAttribute("href", json.reload);
    open();
    document.getElementById("reload-link").focus();
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function preview() {
    if (saving) { return; }
    if (timer) { clearTimeout(timer); timer = null; }
    sequence++;
    post(form.getAttribute("data-preview")).then(function (r) {
      if (r.status === 409) { showConflict(r.json); return; }
      if (r.json.fields) { show(r.json); }
      reset();
      if (r.status !== 200) {
        status.textContent = r.json.refused || "";
        document.getElementById("save-dialog-form").hidden = true;
        confirmButton.hidden = true;
        open();
        document.getElementById("save-cancel").focus();
        return;
      }
      if (r.json.nothing) {
        status.textContent = r.json.nothing;
        document.getElementById("save-dialog-form").hidden = true;
        confirmButton.hidden = true;
        open();
        document.getElementById("save-cancel").focus();
        return;
      }
      document.getElementById("save-dialog-diff").innerHTML = r.json.diff || "";
      if (r.json.pending) {
        document.getElementById("save-dialog-pending").hidden = false;
        document.getElementById("save-dialog-pending-diff").innerHTML = r.json.pending;
      }
      if (r.json.lost && r.json.lost.length) {
        document.getElementById("save-dialog-lost").hidden = false;
        list("save-dialog-lost-list", r.json.lost);
      }
      if (!message.value) { message.value = r.json.message || ""; }
      open();
      message.focus();
      message.select();
    });
  }

  function save() {
    if (!message.value.trim()) {
      status.textContent = S.messageRequired || "";
      message.setAttribute("aria-invalid", "true");
      message.focus();
      return;
    }
    message.removeAttribute("aria-invalid");
    if (!document.getElementById("save-dialog-lost").hidden && !confirmBox.checked) {
      status.textContent = S.confirmNeeded || "";
      confirmBox.focus();
      return;
    }
    saving = true;
    confirmButton.disabled = true;
    sequence++;
    post(form.getAttribute("data-save"), {"__message": message.value,
                                          "__confirm": confirmBox.checked ? "1" : ""}).then(function (r) {
      saving = false;
      confirmButton.disabled = false;
      if (r.status === 409) { showConflict(r.json); return; }
      if (r.status !== 200) {
        status.textContent = r.json.refused || "";
        if (r.json.fields) { show(r.json); }
        if (r.json.digest) { document.getElementById("digest").value = r.json.digest; }
        return;
      }
      if (r.json.nothing) { status.textContent = r.json.nothing; return; }
      window.location.assign(r.json.reload);
    }).catch(function (error) {
      saving = false;
      confirmButton.disabled = false;
      status.textContent = String(error);
    });
  }

  document.getElementById("save-button").addEventListener("click", preview);
  confirmButton.addEventListener("click", save);
  document.getElementById("save-cancel").addEventListener("click", function () { dialog.close(); });
  message.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); save(); }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      if (dialog.open) { save(); } else { preview(); }
    }
  });
  dialog.addEventListener("close", function () { document.getElementById("save-button").focus(); });

  check();
})();
