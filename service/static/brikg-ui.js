// The start page: YASGUI on this service's endpoint, and the example queries as buttons.
// Nothing is fetched from another site: the LOV class/property completers are turned off.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  var data = document.getElementById("examples");
  var examples = data ? JSON.parse(data.textContent) : [];
  var plain = document.getElementById("plain-query");
  var yasgui = null;
  if (el && window.Yasgui) {
    yasgui = new window.Yasgui(el, {
      requestConfig: { endpoint: el.dataset.endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      endpointCatalogueOptions: { getData: function () { return []; } },
      yasqe: { autocompleters: ["prefixes", "variables"] },
      yasr: { prefixes: {} }
    });
    if (examples.length) { yasgui.getTab().setQuery(examples[0].query); }
  }
  var select = document.getElementById("example-select");
  var run = document.getElementById("run-example");
  function choose(runIt) {
    var ex = examples[Number(select.value)];
    if (!ex) { return; }
    if (yasgui) {
      var tab = yasgui.getTab();
      tab.setQuery(ex.query);
      if (runIt) { tab.query(); }
    } else if (plain) {
      plain.value = ex.query;
    }
  }
  if (select) { select.addEventListener("change", function () { choose(false); }); }
  if (run) { run.addEventListener("click", function () { choose(true); }); }
})();
