// A classic (non-module) script: opened from disk (file://), the browser refuses to load the
// page's ES modules, so app.js never runs and would leave "Loading…" spinning. This explains
// instead how to serve the page. It changes nothing when the page is served over http(s).
(function fileCheck() {
  if (location.protocol !== 'file:') return;
  function show() {
    var boot = document.getElementById('boot');
    if (!boot || boot.dataset.error) return;
    boot.dataset.error = 'file';
    boot.classList.add('failed');
    document.getElementById('boot-title').textContent = 'Open this page through a web server';
    document.getElementById('boot-detail').textContent = '';
    document.getElementById('boot-progress').hidden = true;
    document.getElementById('boot-error-text').textContent = 'This page has to be opened through a web server, not straight from a file: browsers do not let a page opened from disk load its engine and movie data.';
    document.getElementById('boot-error-hint').textContent = 'One command serves it (any static web server works, e.g. python3 -m http.server run inside web/):';
    var cmd = document.getElementById('boot-error-cmd');
    cmd.textContent = 'scripts/serve.sh        # from the repository, then open the address it prints';
    cmd.hidden = false;
    document.getElementById('boot-error-tech').textContent = 'Opened from ' + location.href + ': file:// pages cannot load ES modules, WebAssembly or the bundle.';
    document.getElementById('boot-error-details').hidden = false;
    document.getElementById('boot-retry').hidden = true;
    document.getElementById('boot-error').hidden = false;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
}());
