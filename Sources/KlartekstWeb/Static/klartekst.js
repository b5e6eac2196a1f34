// Klartekst: progressive enhancement only. Every page works without this file.
// Answer buttons: send the answer with fetch and update the result in place (no reload).
(function () {
  "use strict";
  function fmt(p) { return String(Math.round(p * 10) / 10).replace(".", ","); }
  var labels = { agree: "Enig", disagree: "Uenig", pass: "Ved ikke" };
  document.querySelectorAll("form.vote").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch) { return; }
      event.preventDefault();
      var body = new URLSearchParams();
      body.set("csrf", form.querySelector("input[name=csrf]").value);
      body.set("choice", button.value);
      var box = form.parentElement.querySelector(".vote-status");
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (!r.ok) { return r.json().then(function (e) { throw new Error(e.error ? e.error.message : "Svaret blev ikke gemt."); }); }
          return r.json();
        })
        .then(function (data) {
          form.querySelectorAll("button[name=choice]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.value === data.yourAnswer)); });
          var t = data.tally;
          var html = "<p>Dit svar: <strong>" + labels[data.yourAnswer] + "</strong>. Du kan ændre det når som helst.</p>";
          html += "<p><strong>Borgerne svarede</strong> (" + t.participants + " svar):</p><ul class=\"results\">";
          t.shares.forEach(function (s) {
            html += "<li class=\"" + s.choice + "\"><span class=\"label\">" + labels[s.choice] + "</span> <meter min=\"0\" max=\"100\" value=\"" +
              Math.round(s.percent) + "\" aria-hidden=\"true\"></meter> <span class=\"pct\">" + fmt(s.percent) + " %</span> <span class=\"meta\">(" + s.count + ")</span></li>";
          });
          box.innerHTML = html + "</ul>";
          box.setAttribute("data-updated", "js");
        })
        .catch(function (e) { box.textContent = e.message; });
    });
  });
})();

// Sources: hovering or focusing a claim's [n] link highlights its quote under "Kilder".
(function () {
  "use strict";
  document.querySelectorAll("a.src").forEach(function (a) {
    var id = (a.getAttribute("href") || "").slice(1);
    var target = id && document.getElementById(id);
    if (!target) { return; }
    var on = function () { target.classList.add("hover"); };
    var off = function () { target.classList.remove("hover"); };
    a.addEventListener("mouseenter", on);
    a.addEventListener("mouseleave", off);
    a.addEventListener("focus", on);
    a.addEventListener("blur", off);
  });
})();

// Printing: open every collapsed section first, so the printout has the whole case text.
(function () {
  "use strict";
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) { d.open = true; return true; });
  });
  window.addEventListener("afterprint", function () { closed.forEach(function (d) { d.open = false; }); closed = []; });
})();
