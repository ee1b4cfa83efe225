// The "Copy link" buttons: <button data-copy-from="INPUT-ID" data-copy-status="STATUS-ID">.
// Progressive enhancement: the buttons are hidden without JavaScript (careaudit.css), where
// the text can still be selected and copied. Listens on the document, so buttons that htmx
// swaps in later work too. Says "Link copied" in the status region (role="status").
(function () {
  "use strict";

  function copied(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    // Plain HTTP (a demo on the network): the older way, from the selected text.
    input.focus();
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest ? evt.target.closest("[data-copy-from]") : null;
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-copy-from"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!input) {
      return;
    }
    function say(text) {
      if (status) {
        status.textContent = "";
        // A fresh change each time, so a second copy is announced again.
        window.setTimeout(function () { status.textContent = text; }, 50);
      }
    }
    copied(input).then(
      function () { say("Link copied"); },
      function () {
        input.focus();
        input.select();
        say("Could not copy: the link is selected, copy it with your keyboard or menu");
      }
    );
  });
})();
