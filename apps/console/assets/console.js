// The console's only script (served by the service; the Content-Security-Policy allows no other): on the operations
// page it reloads the live part (projections table, lag charts) every two seconds, so a rebuild's progress and ETA
// move without a reload. Every page works without it; it changes no data, it only reads the same page again.
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live) return;
  var url = live.getAttribute('data-refresh');
  var parts = ['table.projections tbody', 'div.charts'];
  var stopped = false;
  function refresh() {
    if (stopped) return;
    fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' }, redirect: 'manual' })
      .then(function (response) {
        if (response.status !== 200) {
          stopped = true;
          return undefined;
        }
        return response.text();
      })
      .then(function (text) {
        if (!text) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        parts.forEach(function (selector) {
          var now = live.querySelector(selector);
          var next = fresh.querySelector('#live ' + selector);
          if (now && next && now.innerHTML !== next.innerHTML) now.innerHTML = next.innerHTML;
        });
        // The summary is a polite live region: change its text only, so screen readers announce the change.
        var summary = document.getElementById('live-summary');
        var nextSummary = fresh.getElementById('live-summary');
        if (summary && nextSummary && summary.textContent !== nextSummary.textContent) summary.textContent = nextSummary.textContent;
      })
      .catch(function () {
        /* the next tick tries again */
      })
      .then(function () {
        if (!stopped) setTimeout(refresh, 2000);
      });
  }
  setTimeout(refresh, 2000);
})();
