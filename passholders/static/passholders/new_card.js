// The new-card form proposes LOSS_KANSENSTATUUT or OBTAIN_KANSENSTATUUT when the kansenpas
// flag of the typed number (its 12th digit) differs from that of the passholder's current
// card in the card system the number belongs to (its first five digits), as the earlier
// UiTPAS back-office did. It only proposes: the clerk may choose another reason, and the
// service decides.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const data = document.getElementById("kansenpas-by-prefix");
  const number = document.getElementById("id_uitpas_number");
  const hint = document.getElementById("reason-proposal");
  if (!data || !number || !hint) {
    return;
  }
  const currentIsKansenpas = JSON.parse(data.textContent);
  let proposed = null; // the radio button this script checked, while it stands

  function radioFor(reason) {
    return document.querySelector('input[name="reason"][value="' + reason + '"]');
  }

  function proposal(value) {
    const digits = value.trim();
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

  function showHint(reason) {
    hint.hidden = reason === null;
    if (reason !== null) {
      hint.textContent = reason === "OBTAIN_KANSENSTATUUT" ? hint.dataset.obtain : hint.dataset.loss;
    }
  }

  function propose() {
    const reason = proposal(number.value);
    showHint(reason);
    if (reason === null) {
      if (proposed !== null) {
        proposed.checked = false;
        proposed = null;
      }
      return;
    }
    const radio = radioFor(reason);
    if (radio && radio !== proposed) {
      radio.checked = true;
      proposed = radio;
    }
  }

  document.querySelectorAll('input[name="reason"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      proposed = null; // the clerk chose
    });
  });
  number.addEventListener("input", propose);
  // A form shown again after a refusal keeps the reason the clerk chose; it only says
  // what it would propose.
  if (document.querySelector('input[name="reason"]:checked')) {
    showHint(proposal(number.value));
  } else {
    propose();
  }
});
