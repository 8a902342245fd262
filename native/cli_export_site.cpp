// mfrec export-site --model MODEL --out DIR: the web page as a folder any static host can serve.
//
// The folder holds the page's files found by following references from index.html and sw.js
// (so the benchmark page, the tools and the tests, which nothing there references, stay out),
// the model's bundle (exported as by export-web) in place of web/bundle/, `_headers` (Netlify,
// Cloudflare Pages: cross-origin isolation for the threaded engine, long caching of hashed files)
// and `.nojekyll` (GitHub Pages). HTML lines marked data-dev-only (the benchmark link) are left out. Every file but
// index.html and sw.js (their URLs must stay put) gets its content hash in its name, and every quoted reference to it
// is rewritten, leaves first: a file's hash covers the hashed names of what it references, so a changed engine or
// bundle changes the names up to the page. References stay relative (the folder serves from any subpath).
//
// mfrec export-site --check DIR serves DIR in headless Chromium (tests/browser/site-check.mjs).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "cli_common.h"
#include "cli_export_web.h"
#include "file_io.h"
#include "kind.h"

namespace mf {

namespace {

namespace fs = std::filesystem;

const char * const bundle_path = "bundle/bundle.mfm";
const char * const licenses_path = "vendor/LICENSES.txt";
const char * const marker_name = "mfrec-site.json";  // marks a folder this command wrote

struct site_args {
    std::string model_path;
    std::string out_dir;
    std::string web_dir;
    std::string check_dir;
    bundle_cli_args bundle;
    double budget_mb = 8.0;
    std::string format = "table";
    bool quiet = false;
    bool levels_given = false;  // --int8-levels on the command line
};

struct site_file {
    std::string path;  // relative to the site root, e.g. "js/app.js"
    std::vector<uint8_t> bytes;
    bool hashed = true;
    std::string out_path;
    int state = 0;  // 0 new, 1 being resolved, 2 done
};

struct site_ref {
    size_t begin, size;  // the literal's bytes in the referring file
    std::string target;  // the file it names
};

bool ext_is(const std::string & path, std::initializer_list<const char *> exts) {
    const size_t dot = path.rfind('.');
    if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
    const std::string e = path.substr(dot + 1);
    for (const char * x : exts)
        if (e == x) return true;
    return false;
}

bool is_text(const std::string & path) {
    return ext_is(path, {"html", "js", "mjs", "css", "webmanifest", "svg", "json", "txt"});
}

bool is_path_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '/';
}

// "js/../wasm/./x.js" -> "wasm/x.js"; "" when it leaves the root
std::string path_normalize(const std::string & p) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string::npos) j = p.size();
        std::string c = p.substr(i, j - i);
        if (c == "..") {
            if (parts.empty()) return "";
            parts.pop_back();
        } else if (!c.empty() && c != ".") {
            parts.push_back(c);
        }
        i = j + 1;
    }
    std::string out;
    for (const std::string & c : parts) out += (out.empty() ? "" : "/") + c;
    return out;
}

std::string dir_of(const std::string & path) {
    const size_t s = path.rfind('/');
    return s == std::string::npos ? "" : path.substr(0, s + 1);
}

std::string base_of(const std::string & path) {
    const size_t s = path.rfind('/');
    return s == std::string::npos ? path : path.substr(s + 1);
}

// FNV-1a, 64 bits: a cache-busting name, not a security property
std::string hash_hex(const std::vector<uint8_t> & b) {
    uint64_t h = 1469598103934665603ull;
    for (uint8_t c : b) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long) h);
    return std::string(buf, 10);
}

// "js/app.js" + "0123456789" -> "js/app.0123456789.js"
std::string hashed_name(const std::string & path, const std::string & hash) {
    const size_t dot = path.rfind('.');
    return path.substr(0, dot) + "." + hash + path.substr(dot);
}

// Where the page's sources are: --web, $MFREC_WEB_DIR, or web/ beside the build folder of this
// binary (build/mfrec -> web/).
std::string web_dir_find(const std::string & given) {
    if (!given.empty()) return given;
    if (const char * e = std::getenv("MFREC_WEB_DIR")) return e;
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path w = exe.parent_path().parent_path() / "web";
        if (fs::exists(w / "index.html", ec)) return w.string();
    }
    return "web";
}

// An HTML line marked data-dev-only (the link to the benchmark page) is not part of a site.
std::vector<uint8_t> dev_lines_drop(const std::vector<uint8_t> & b) {
    const std::string text(b.begin(), b.end()), mark = "data-dev-only";
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t j = text.find('\n', i);
        j = j == std::string::npos ? text.size() : j + 1;
        if (text.substr(i, j - i).find(mark) == std::string::npos) out.append(text, i, j - i);
        i = j;
    }
    return std::vector<uint8_t>(out.begin(), out.end());
}

class site_builder {
public:
    site_builder(std::string web, std::vector<uint8_t> bundle) : web_(std::move(web)), bundle_(std::move(bundle)) {}

    // Finds every file reachable from the roots (which keep their names), then names the others
    // by content: strongly connected groups of files (the threaded engine and its worker name
    // each other) in the order Tarjan's algorithm closes them, i.e. every group after all it
    // references.
    void build(const std::vector<std::string> & roots) {
        for (const std::string & r : roots) {
            if (!exists(r)) throw cli_error(web_ + "/" + r + ": missing (is --web the page's folder?)");
            file(r).hashed = false;
        }
        std::vector<std::string> todo(roots.rbegin(), roots.rend());
        while (!todo.empty()) {
            const std::string p = todo.back();
            todo.pop_back();
            site_file & f = file(p);
            if (f.state != 0) continue;
            f.state = 1;
            if (is_text(p)) refs_[p] = refs_of(p, f.bytes);
            for (const site_ref & r : refs_[p])
                if (file(r.target).state == 0) todo.push_back(r.target);
        }
        for (auto & kv : files_)
            if (kv.second.state == 1 && index_.count(kv.first) == 0) strongconnect(kv.first);
    }

    const std::map<std::string, site_file> & files() const { return files_; }

private:
    bool exists(const std::string & p) const {
        if (p == bundle_path) return true;
        // never part of a site, whatever references them
        if (p.rfind("tools/", 0) == 0 || p.rfind("bundle/", 0) == 0 || base_of(p).rfind("bench.", 0) == 0) return false;
        std::error_code ec;
        return fs::is_regular_file(fs::path(web_) / p, ec);
    }

    site_file & file(const std::string & p) {
        auto it = files_.find(p);
        if (it != files_.end()) return it->second;
        site_file f;
        f.path = p;
        f.hashed = p != "index.html" && p != "sw.js";  // their URLs must not change
        if (p == bundle_path) {
            f.bytes = bundle_;
        } else {
            try {
                f.bytes = file_read_all((fs::path(web_) / p).string(), uint64_t(1) << 32);
            } catch (const std::exception & e) {
                throw cli_error(e.what());
            }
            if (ext_is(p, {"html"})) f.bytes = dev_lines_drop(f.bytes);
        }
        return files_.emplace(p, std::move(f)).first->second;
    }

    // Quoted (or url(...)) literals naming a file of the page, relative to `path`'s folder.
    std::vector<site_ref> refs_of(const std::string & path, const std::vector<uint8_t> & b) const {
        std::vector<site_ref> out;
        const std::string dir = dir_of(path);
        const size_t n = b.size();
        for (size_t i = 0; i < n; ++i) {
            const char open = (char) b[i];
            char close;
            if (open == '\'' || open == '"' || open == '`')
                close = open;
            else if (open == '(')
                close = ')';
            else
                continue;
            size_t j = i + 1;
            while (j < n && is_path_char((char) b[j])) ++j;
            if (j == i + 1 || j >= n) continue;
            const char end = (char) b[j];
            if (end != close && end != '#' && end != '?') continue;
            const std::string lit(b.begin() + (long) i + 1, b.begin() + (long) j);
            if (lit[0] == '/' || lit.find("//") != std::string::npos || lit.back() == '/') continue;
            if (!ext_is(lit, {"js", "mjs", "css", "wasm", "mfm", "svg", "webmanifest", "json", "txt", "html", "png"}))
                continue;
            const std::string target = path_normalize(dir + lit);
            if (target.empty() || !exists(target)) continue;  // a comment, a cache key: left as it is
            out.push_back({i + 1, lit.size(), target});
            i = j;
        }
        return out;
    }

    // The file's bytes with every reference to a named file renamed (the others kept).
    std::vector<uint8_t> renamed(const std::string & path) const {
        const std::vector<uint8_t> & b = files_.at(path).bytes;
        auto it = refs_.find(path);
        if (it == refs_.end()) return b;
        std::vector<uint8_t> out;
        out.reserve(b.size());
        size_t at = 0;
        for (const site_ref & r : it->second) {
            const site_file & t = files_.at(r.target);
            if (!t.hashed || t.out_path.empty()) continue;
            std::string lit(b.begin() + (long) r.begin, b.begin() + (long) (r.begin + r.size));
            lit = lit.substr(0, lit.size() - base_of(r.target).size()) + base_of(t.out_path);
            out.insert(out.end(), b.begin() + (long) at, b.begin() + (long) r.begin);
            out.insert(out.end(), lit.begin(), lit.end());
            at = r.begin + r.size;
        }
        out.insert(out.end(), b.begin() + (long) at, b.end());
        return out;
    }

    // Tarjan: a group is complete when its first file is left; everything it references is named.
    void strongconnect(const std::string & v) {
        index_[v] = low_[v] = (int) index_.size();
        stack_.push_back(v);
        on_stack_.insert(v);
        for (const site_ref & r : refs_[v]) {
            const std::string & w = r.target;
            if (index_.count(w) == 0) {
                strongconnect(w);
                low_[v] = std::min(low_[v], low_[w]);
            } else if (on_stack_.count(w)) {
                low_[v] = std::min(low_[v], index_[w]);
            }
        }
        if (low_[v] != index_[v]) return;
        std::vector<std::string> group;
        for (;;) {
            std::string w = stack_.back();
            stack_.pop_back();
            on_stack_.erase(w);
            group.push_back(w);
            if (w == v) break;
        }
        std::sort(group.begin(), group.end());
        // one hash over the group, its references outside it already renamed; each member's name
        // from it and its path: any change in the group renames the whole group
        std::vector<uint8_t> all;
        for (const std::string & g : group) {
            std::vector<uint8_t> b = renamed(g);
            all.insert(all.end(), g.begin(), g.end());
            all.push_back(0);
            all.insert(all.end(), b.begin(), b.end());
        }
        const bool single = group.size() == 1;
        for (const std::string & g : group) {
            site_file & f = files_.at(g);
            if (!f.hashed) {
                f.out_path = g;
                continue;
            }
            std::vector<uint8_t> key = all;
            if (!single) key.insert(key.end(), g.begin(), g.end());
            f.out_path = hashed_name(g, hash_hex(key));
        }
        for (const std::string & g : group) out_bytes_[g] = renamed(g);
        for (const std::string & g : group) files_.at(g).bytes = out_bytes_[g];
    }

    std::string web_;
    std::vector<uint8_t> bundle_;
    std::map<std::string, site_file> files_;
    std::map<std::string, std::vector<site_ref>> refs_;
    std::map<std::string, int> index_, low_;
    std::vector<std::string> stack_;
    std::set<std::string> on_stack_;
    std::map<std::string, std::vector<uint8_t>> out_bytes_;
};

// Netlify and Cloudflare Pages read this file; paths are from the site's root.
std::string headers_text() {
    std::string t =
        "# Netlify / Cloudflare Pages. Cross-origin isolation lets the page load its threaded engine\n"
        "# (in-browser training); everything it loads is same-origin, so require-corp costs nothing.\n"
        "/*\n"
        "  Cross-Origin-Opener-Policy: same-origin\n"
        "  Cross-Origin-Embedder-Policy: require-corp\n"
        "  Cross-Origin-Resource-Policy: same-origin\n"
        "  X-Content-Type-Options: nosniff\n";
    // hashed names never change content: cache them forever; index.html and sw.js revalidate
    for (const char * d : {"js", "css", "wasm", "vendor", "bundle"})
        t += std::string("/") + d + "/*\n  Cache-Control: public, max-age=31536000, immutable\n";
    t += "/\n  Cache-Control: no-cache\n/index.html\n  Cache-Control: no-cache\n/sw.js\n  Cache-Control: no-cache\n";
    return t;
}

// Part of a cold visit before the page is usable: everything but the threaded engine, which is
// loaded only to train in the browser (and then cached by app.js on isolated hosts).
bool first_visit(const std::string & path) {
    return base_of(path).rfind("mfrec_mt.", 0) != 0 && path != licenses_path;
}

std::string mb(int64_t b) {
    return b < 0 ? "n/a" : fmt_num((double) b / 1e6, 2) + " MB";
}

void check_run(const site_args & a) {
    std::string web = web_dir_find(a.web_dir);
    fs::path script = fs::path(web).parent_path() / "tests" / "browser" / "site-check.mjs";
    std::error_code ec;
    if (!fs::is_regular_file(script, ec))
        throw cli_error(script.string() + ": missing; --check needs the repository's tests/browser (and npm ci)");
    if (!fs::is_directory(a.check_dir, ec)) throw cli_error(a.check_dir + ": not a folder");
    if (!fs::is_directory(fs::path(web).parent_path() / "node_modules" / "playwright-core", ec))
        throw cli_error("--check needs playwright-core: run npm ci in " + fs::path(web).parent_path().string());
    std::vector<std::string> args = {"node", script.string(), a.check_dir, "--budget-mb", fmt_num(a.budget_mb, 3)};
    std::vector<char *> argv;
    for (std::string & s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    execvp("node", argv.data());
    throw cli_error("cannot run node (needed by --check): " + std::string(std::strerror(errno)));
}

void site_run(const site_args & a) {
    if (!a.check_dir.empty()) {
        if (!a.model_path.empty() || !a.out_dir.empty())
            throw cli_error("--check DIR is used alone (no --model/--out)");
        return check_run(a);
    }
    if (a.model_path.empty() || a.out_dir.empty()) throw cli_error("--model and --out are required (or --check DIR)");
    out_format fmt = out_format_parse(a.format);
    const std::string web = web_dir_find(a.web_dir);
    std::error_code ec;
    for (const char * need :
         {"index.html", "sw.js", "wasm/mfrec.js", "wasm/mfrec.wasm", "vendor/regl-scatterplot.js"}) {
        if (!fs::is_regular_file(fs::path(web) / need, ec)) {
            std::string hint = std::string(need).rfind("wasm/", 0) == 0 ? " (build the engine: scripts/build.sh wasm)"
                               : std::string(need).rfind("vendor/", 0) == 0
                                   ? " (vendor the map library: npm ci && node web/tools/vendor.mjs)"
                                   : " (is --web the page's folder?)";
            throw cli_error((fs::path(web) / need).string() + ": missing" + hint);
        }
    }
    const fs::path out(a.out_dir);
    if (fs::exists(out, ec) && !fs::is_empty(out, ec) && !fs::exists(out / marker_name, ec))
        throw cli_error(a.out_dir + ": exists and is not an earlier export-site folder (no " + marker_name +
                        "); give a new or empty folder");

    // int8 levels: as given, or the finest of 63, 31, 15, 7 whose first visit fits the budget
    // (ML-32M-shaped hybrid model: 63 -> 10.6 MB gzip, 15 -> 7.9 MB; docs/PUBLISH.md)
    const model m = bundle_model_load(a.model_path);
    bundle_options o = bundle_cli_options(a.bundle);
    std::vector<int32_t> levels = {o.int8_levels};
    if (o.quant == bundle_quant::int8 && !a.levels_given) levels = {63, 31, 15, 7};
    struct row {
        std::string path;
        int64_t bytes, gzip;
        bool first;
    };
    std::vector<row> rows;
    std::unique_ptr<site_builder> sb;
    std::vector<std::string> roots = {"index.html", "sw.js"};
    // the vendored libraries' licences travel with them (nothing loads the file)
    if (fs::is_regular_file(fs::path(web) / licenses_path, ec)) roots.push_back(licenses_path);
    for (size_t li = 0; li < levels.size(); ++li) {
        o.int8_levels = levels[li];
        sb = std::make_unique<site_builder>(web, bundle_bytes(m, o));
        sb->build(roots);
        rows.clear();
        int64_t first = 0;
        for (const auto & kv : sb->files()) {
            const site_file & f = kv.second;
            rows.push_back({f.out_path, (int64_t) f.bytes.size(), gzip_size(f.bytes.data(), f.bytes.size()),
                            first_visit(f.out_path)});
            if (rows.back().first) first += rows.back().gzip;
        }
        if ((double) first <= a.budget_mb * 1e6) break;
    }

    // written next to DIR, then swapped in: an earlier export is replaced whole or not at all
    const fs::path tmp = fs::path(a.out_dir + ".tmp-" + std::to_string(getpid()));
    fs::remove_all(tmp, ec);
    auto put = [&](const std::string & rel, const std::vector<uint8_t> & b) {
        fs::create_directories((tmp / rel).parent_path(), ec);
        if (ec) {
            const std::string msg = "cannot create " + (tmp / rel).parent_path().string() + ": " + ec.message();
            std::error_code ignored;
            fs::remove_all(tmp, ignored);
            throw cli_error(msg);
        }
        try {
            file_write_atomic((tmp / rel).string(), b.data(), b.size());
        } catch (const std::exception & e) {
            std::error_code ignored;
            fs::remove_all(tmp, ignored);  // no half-written folder left behind
            throw cli_error(e.what());
        }
    };
    for (const auto & kv : sb->files()) put(kv.second.out_path, kv.second.bytes);
    const std::string headers = headers_text();
    put("_headers", std::vector<uint8_t>(headers.begin(), headers.end()));
    put(".nojekyll", {});
    int64_t total = 0, total_gz = 0, first_gz = 0, bundle_gz = 0, mt_gz = 0;
    std::string list;
    for (const row & r : rows) {
        total += r.bytes;
        total_gz += r.gzip;
        if (r.first) first_gz += r.gzip;
        if (!r.first) mt_gz += r.gzip;
        if (r.path.rfind("bundle/", 0) == 0) bundle_gz = r.gzip;
        json_object x;
        x.str("path", r.path);
        x.integer("bytes", r.bytes);
        x.integer("gzip_bytes", r.gzip);
        x.raw("first_visit", r.first ? "true" : "false");
        list += (list.empty() ? "" : ",\n  ") + x.render();
    }
    json_object j;
    j.str("generator", "mfrec export-site");
    j.integer("movies", m.n_items());
    j.integer("factors", m.k);
    j.str("quantize", bundle_quant_name(o.quant));
    if (o.quant == bundle_quant::int8) j.integer("int8_levels", o.int8_levels);
    j.str("kind", kind_name(m.params.kind));
    j.integer("files", (long long) rows.size());
    j.integer("bytes", total);
    j.integer("gzip_bytes", total_gz);
    j.integer("first_visit_gzip_bytes", first_gz);
    j.integer("bundle_gzip_bytes", bundle_gz);
    j.integer("threaded_engine_gzip_bytes", mt_gz);
    j.raw("file_list", "[\n  " + list + "\n]");
    std::string manifest = j.render();
    put(marker_name, std::vector<uint8_t>(manifest.begin(), manifest.end()));

    if (fs::exists(out, ec)) fs::remove_all(out, ec);
    if (ec) throw cli_error("cannot replace " + a.out_dir + ": " + ec.message());
    fs::rename(tmp, out, ec);
    if (ec) throw cli_error("cannot move " + tmp.string() + " to " + a.out_dir + ": " + ec.message());

    if (fmt == out_format::json) {
        std::puts(manifest.c_str());
        return;
    }
    if (a.quiet) return;
    std::printf("wrote %s: %zu files, %s (gzip %s); %d movies, %d factors (%s)\n", a.out_dir.c_str(), rows.size(),
                mb(total).c_str(), mb(total_gz).c_str(), m.n_items(), m.k, kind_name(m.params.kind));
    if (o.quant == bundle_quant::int8)
        std::printf("bundle: int8 factors within ±%d%s\n", o.int8_levels,
                    a.levels_given ? "" : " (the finest of 63, 31, 15, 7 within the budget)");
    std::printf("first visit: %s gzip (bundle %s, page + engine + libraries %s); the threaded engine adds %s gzip\n",
                mb(first_gz).c_str(), mb(bundle_gz).c_str(), mb(first_gz - bundle_gz).c_str(), mb(mt_gz).c_str());
    if ((double) first_gz > a.budget_mb * 1e6)
        std::printf("warning: the first visit is over the budget of %s MB gzip\n", fmt_num(a.budget_mb, 2).c_str());
    std::printf("check it: mfrec export-site --check %s; publish: README.md, \"Publish the demo\"\n",
                a.out_dir.c_str());
}

}  // namespace

void cli_add_export_site(CLI::App & app) {
    auto a = std::make_shared<site_args>();
    CLI::App * c = app.add_subcommand(
        "export-site", "write the web page, its engine and the model's bundle as a folder any static host can serve");
    c->add_option("--model", a->model_path, "model file written by mfrec train");
    c->add_option("--out", a->out_dir, "output folder (new, empty, or an earlier export-site folder, replaced)");
    c->add_option("--web", a->web_dir, "the page's sources (default: web/ beside the build folder, or $MFREC_WEB_DIR)");
    c->add_option("--check", a->check_dir,
                  "instead of exporting: serve DIR under a subpath with and without isolation headers in headless "
                  "Chromium and fail unless the page becomes usable within the size budget");
    c->add_option("--budget-mb", a->budget_mb,
                  "size budget of a first visit, MB gzip (the check's; the export picks int8 levels to fit it)")
        ->capture_default_str();
    bundle_cli_add(c, a->bundle);
    c->add_option("--format", a->format, "table | json")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "print nothing (the table format's summary)");
    c->callback([a, c] {
        a->levels_given = c->count("--int8-levels") > 0;
        site_run(*a);
    });
}

}  // namespace mf
