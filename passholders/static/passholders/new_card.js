// The new-card form points out a reason while the new number is typed: "Kansenstatuut
// obtained" when its kansenpas flag (the 12th digit) says kansenpas and the passholder's
// current card in that card system (its first five digits) is none, "Kansenstatuut lost"
// the other way round, as the earlier UiTPAS back-office did. It only points the reason
// out (a mark and a sentence): it never checks a radio button, so a scanner's Enter can
// never register a reason the clerk did not choose. The service decides.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const data = document.getElementById("kansenpas-by-prefix");
  const number = document.getElementById("id_uitpas_number");
  const hint = document.getElementById("reason-proposal");
  if (!data || !number || !hint) {
    return;
  }
  const currentIsKansenpas = JSON.parse(data.textContent);

  function proposal(value) {
    const digits = value.replace(/\s/g, "");
    if (!/^0[0-9]{12}$/.test(digits)) {
      return null;
    }
    const current = currentIsKansenpas[digits.slice(0, 5)];
    const isKansenpas = digits[11] === "1";
    if (current === undefined || current === isKansenpas) {
      return null;
    }
    return isKansenpas ? "OBTAIN_KANSENSTATUUT" : "LOSS_KANSENSTATUUT";
  }

  function pointOut() {
    const reason = proposal(number.value);
    hint.hidden = reason === null;
    if (reason !== null) {
      hint.textContent = reason === "OBTAIN_KANSENSTATUUT" ? hint.dataset.obtain : hint.dataset.loss;
    }
    document.querySelectorAll("ul.reasons li[data-reason]").forEach(function (item) {
      item.classList.toggle("proposed", item.dataset.reason === reason);
    });
  }

  number.addEventListener("input", pointOut);
  // A scanner may have typed before this script ran: point out for what is there.
  pointOut();
});

// The amount to collect, while the form is filled in: whenever the number, the reason,
// the voucher or the balie changes, the form's values go to the same address with
// "_price", which answers the price of the plan (nothing is saved) or nothing while the
// values are refused. Without this script the preview shows the amount.
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("new-card-form");
  const amount = document.getElementById("new-card-amount");
  if (!form || !amount) {
    return;
  }
  let timer = null;
  let asked = 0;

  function show(sentence) {
    amount.querySelector("strong").textContent = sentence;
    amount.hidden = sentence === "";
  }

  function ask() {
    const values = new FormData(form);
    const digits = (values.get("uitpas_number") || "").replace(/\s/g, "");
    if (!/^[0-9]{13}$/.test(digits) || !values.get("reason")) {
      show("");
      return;
    }
    values.append("_price", "1");
    const question = ++asked;
    fetch(form.action, { method: "POST", body: values, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { amount: "" }; })
      .then(function (answer) { if (question === asked) { show(answer.amount); } })
      .catch(function () { if (question === asked) { show(""); } });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  ask();
});
