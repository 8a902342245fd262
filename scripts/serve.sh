#!/usr/bin/env bash
# Serve the static page (web/) on 127.0.0.1 for development and the browser tests.
#
#   scripts/serve.sh [--port N] [--dir DIR] [--no-isolation] [--quiet]
#
# --port N         port on 127.0.0.1 (default 8080; 0 picks a free port, printed on start)
# --dir DIR        directory to serve (default: web/ of this repository)
# --no-isolation   omit the COOP/COEP headers, like a plain static host: the page then runs
#                  single-threaded and says why in-browser training is unavailable
# --quiet          no request log
#
# Headers: .wasm as application/wasm; Cross-Origin-Opener-Policy: same-origin and
# Cross-Origin-Embedder-Policy: require-corp (cross-origin isolation, needed for the threaded
# build); Cache-Control: no-cache everywhere (file names are not content-hashed, so the browser
# revalidates with If-Modified-Since and gets a cheap 304; the page's service worker keeps the
# offline copy). The first line on stdout is "Serving DIR at URL".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port=8080
dir="$here/web"
isolation=1
quiet=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --dir) dir="${2:?--dir needs a directory}"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    --no-isolation) isolation=0; shift ;;
    --quiet) quiet=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "serve.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port > 65535 )); then
  echo "serve.sh: --port must be a number 0-65535, got '$port'" >&2; exit 2
fi
if [[ ! -d "$dir" ]]; then
  echo "serve.sh: no such directory: $dir" >&2; exit 2
fi
# The page's vendored map library (copied from node_modules); the page falls back to a 2-D
# canvas map without it, so a failure here is only a warning.
if [[ "$dir" == "$here/web" && -d "$here/node_modules/regl-scatterplot" ]]; then
  node "$here/web/tools/vendor.mjs" >&2 || echo "serve.sh: warning: vendoring regl-scatterplot failed; the map uses its 2-D fallback" >&2
fi
[[ -d "$dir/bundle" ]] || echo "serve.sh: note: $dir/bundle/ is missing (build it with: mfrec export-web --model MODEL --out web/bundle)" >&2
[[ -d "$dir/wasm" ]] || echo "serve.sh: note: $dir/wasm/ is missing (build the wasm module, see docs/WEB_API.md)" >&2

exec python3 -u - "$dir" "$port" "$isolation" "$quiet" <<'PY'
import http.server, os, socketserver, sys

root, port, isolation, quiet = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1"

class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".webmanifest": "application/manifest+json",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
        ".svg": "image/svg+xml",
        ".mfm": "application/octet-stream",
        ".csv": "text/csv; charset=utf-8",
        "": "application/octet-stream",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def end_headers(self):
        if isolation:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if not quiet:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a browser that drops a connection mid-download is not an error worth a traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

try:
    httpd = Server(("127.0.0.1", port), Handler)
except OSError as e:
    sys.stderr.write("serve.sh: cannot listen on 127.0.0.1:%d: %s\n" % (port, e.strerror or e))
    sys.exit(1)
url = "http://127.0.0.1:%d/" % httpd.server_address[1]
print("Serving %s at %s (%s)" % (root, url,
      "cross-origin isolated" if isolation else "no isolation headers, like a plain static host"),
      flush=True)
try:
    httpd.serve_forever()
except KeyboardInterrupt:
    pass
PY
