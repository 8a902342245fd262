// mfrec export-web --model MODEL --out DIR: the web page's bundle (core/bundle.h), written to
// DIR/bundle.mfm atomically, with its size raw and gzipped (what a static host sends), per section.
//
// --check-agreement N additionally measures what quantization costs: N synthetic visitors (20
// ratings each from the 1,000 most-rated movies, rated like random training users) are folded in
// under the float32 model and under the int8 and f16 bundles' factors, and the average overlap of
// their top-20 lists is reported, with each bundle's gzip size.
#include "cli_export_web.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "bundle.h"
#include "cli_common.h"
#include "file_io.h"
#include "kind.h"

#if defined(MFREC_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace mf {

void bundle_cli_add(CLI::App * c, bundle_cli_args & a) {
    c->add_option("--quantize", a.quantize, "item factors as int8 (a scale per movie), f16 or f32")
        ->capture_default_str();
    c->add_option(
         "--int8-levels", a.int8_levels,
         "int8 codes within ±L (127 finest; 63: top-20 agreement about 0.98, 0.67 MB less gzip at ML-32M scale)")
        ->capture_default_str();
    c->add_option("--xy", a.xy, "store the latent map coordinates (f16, f32) or let the page derive them (none)")
        ->capture_default_str();
    c->add_flag("--no-rotate", a.no_rotate,
                "store vectors in the model's basis instead of the PCA basis (larger gzip)");
    c->add_option("--cold-threshold", a.cold_threshold,
                  "movies with fewer training ratings are shown as cold (scored mostly by their genres)")
        ->capture_default_str();
}

bundle_options bundle_cli_options(const bundle_cli_args & a) {
    bundle_options o;
    if (!bundle_quant_parse(a.quantize, o.quant))
        throw cli_error("--quantize: '" + a.quantize + "' unknown (int8, f16 or f32)");
    if (a.xy == "none")
        o.xy = bundle_xy::none;
    else if (a.xy == "f16")
        o.xy = bundle_xy::f16;
    else if (a.xy == "f32")
        o.xy = bundle_xy::f32;
    else
        throw cli_error("--xy: '" + a.xy + "' unknown (none, f16 or f32)");
    if (a.int8_levels < 1 || a.int8_levels > 127) throw cli_error("--int8-levels must be within 1-127");
    o.int8_levels = a.int8_levels;
    o.rotate = !a.no_rotate;
    if (a.cold_threshold < 0) throw cli_error("--cold-threshold must be 0 or more");
    o.cold_threshold = a.cold_threshold;
    return o;
}

model bundle_model_load(const std::string & model_path) {
    model m = model_load_path(model_path);
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind || !(kind->caps & kind_vectors) || m.k == 0)
        throw cli_error(model_path + ": a " + std::string(kind_name(m.params.kind)) +
                        " model has no movie vectors; the web page needs them for its map and similar movies "
                        "(mfrec train --model als)");
    return m;
}

std::vector<uint8_t> bundle_bytes(const model & m, const bundle_options & o) {
    std::vector<uint8_t> bytes = bundle_write(m, o);
    // what the page will do with it: read it back before writing it
    result<web_model> check = bundle_read(bytes.data(), bytes.size());
    if (!check) throw cli_error("the bundle does not read back (a bug): " + check.error());
    return bytes;
}

bundle_export_result bundle_export(const std::string & model_path, const bundle_options & o) {
    bundle_export_result r;
    r.m = bundle_model_load(model_path);
    r.bytes = bundle_bytes(r.m, o);
    return r;
}

namespace {

struct export_args {
    std::string model_path;
    std::string out_dir;
    bundle_cli_args bundle;
    int32_t check_agreement = 0;
    int32_t agreement_min_count = 0;
    uint64_t seed = 42;
    std::string format = "table";
    bool quiet = false;
};

}  // namespace

int64_t gzip_size(const uint8_t * p, size_t n) {
#if defined(MFREC_HAVE_ZLIB)
    z_stream z{};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    std::vector<uint8_t> out(deflateBound(&z, (uLong) n) + 64);
    z.next_in = const_cast<Bytef *>(p);
    z.avail_in = (uInt) n;
    z.next_out = out.data();
    z.avail_out = (uInt) out.size();
    int rc = deflate(&z, Z_FINISH);
    int64_t size = rc == Z_STREAM_END ? (int64_t) z.total_out : -1;
    deflateEnd(&z);
    return size;
#else
    // no zlib linked: ask gzip(1)
    char tmpl[] = "/tmp/mfrec-gz-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w <= 0) break;
        done += (size_t) w;
    }
    close(fd);
    int64_t size = -1;
    if (done == n) {
        std::string cmd = std::string("gzip -9 -c '") + tmpl + "' 2>/dev/null | wc -c";
        if (FILE * f = popen(cmd.c_str(), "r")) {
            long long v = -1;
            if (std::fscanf(f, "%lld", &v) == 1 && v > 20) size = v;
            if (pclose(f) != 0) size = -1;
        }
    }
    unlink(tmpl);
    return size;
#endif
}

namespace {

std::string size_text(int64_t b) {
    if (b < 0) return "n/a";
    return std::to_string(b);
}

std::string mb_text(int64_t b) {
    if (b < 0) return "n/a";
    return fmt_num((double) b / 1e6, 2) + " MB";
}

std::string shape_text(const mfm_section & s) {
    std::string t = std::to_string(s.shape[0]);
    if (s.shape[1] != 1 || s.shape[2] != 1) t += "x" + std::to_string(s.shape[1]);
    if (s.shape[2] != 1) t += "x" + std::to_string(s.shape[2]);
    return t;
}

void export_run(const export_args & a) {
    out_format fmt = out_format_parse(a.format);
    bundle_options o = bundle_cli_options(a.bundle);
    if (a.check_agreement < 0) throw cli_error("--check-agreement must be 0 or more");

    auto t0 = std::chrono::steady_clock::now();
    bundle_export_result ex = bundle_export(a.model_path, o);
    const model & m = ex.m;
    const std::vector<uint8_t> & bytes = ex.bytes;
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec) throw cli_error("cannot create the output folder " + a.out_dir + ": " + ec.message());
    const std::string path = (std::filesystem::path(a.out_dir) / "bundle.mfm").string();
    try {
        file_write_atomic(path, bytes.data(), bytes.size());
    } catch (const std::exception & e) {
        throw cli_error(e.what());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t gz = gzip_size(bytes.data(), bytes.size());

    // per section: raw and gzip bytes
    auto r = mfm_open(bytes.data(), bytes.size());
    out_table t;
    t.col("section", false);
    t.col("type", false);
    t.col("shape", false);
    t.col("bytes", true);
    t.col("gzip_bytes", true);
    for (const mfm_section & s : r->sections) {
        t.rows.push_back({s.name, mfm_type_name(s.type), shape_text(s), std::to_string(s.size),
                          size_text(gzip_size(s.data, (size_t) s.size))});
    }

    // agreement with float32: int8 at the finest levels and at the chosen ones, f16
    struct agree_row {
        std::string name;
        int64_t bytes, gzip;
        agreement_report rep;
    };
    std::vector<agree_row> agree;
    if (a.check_agreement > 0) {
        std::vector<bundle_options> variants;
        bundle_options v = o;
        v.quant = bundle_quant::int8;
        v.int8_levels = 127;
        variants.push_back(v);
        if (o.int8_levels != 127) {
            v.int8_levels = o.int8_levels;
            variants.push_back(v);
        }
        v.quant = bundle_quant::f16;
        variants.push_back(v);
        for (const bundle_options & vo : variants) {
            std::vector<uint8_t> b = bundle_write(m, vo);
            result<web_model> w = bundle_read(b.data(), b.size());
            if (!w) throw cli_error("the bundle does not read back (a bug): " + w.error());
            agreement_report rep =
                bundle_agreement(m, w->m, a.check_agreement, 20, 1000, 20, a.agreement_min_count, a.seed);
            std::string name = bundle_quant_name(vo.quant);
            if (vo.quant == bundle_quant::int8) name += " L=" + std::to_string(vo.int8_levels);
            agree.push_back({name, (int64_t) b.size(), b == bytes ? gz : gzip_size(b.data(), b.size()), rep});
        }
    }

    if (fmt == out_format::json) {
        json_object j;
        j.str("path", path);
        j.str("quantize", bundle_quant_name(o.quant));
        if (o.quant == bundle_quant::int8) j.integer("int8_levels", o.int8_levels);
        j.integer("movies", m.n_items());
        j.integer("factors", m.k);
        j.integer("bytes", (long long) bytes.size());
        if (gz >= 0)
            j.integer("gzip_bytes", gz);
        else
            j.raw("gzip_bytes", "null");
        j.num("seconds", seconds, 3);
        j.raw("sections", out_table_render(t, out_format::json));
        if (!agree.empty()) {
            std::string arr = "[";
            for (size_t i = 0; i < agree.size(); ++i) {
                json_object x;
                x.str("quantize", agree[i].name);
                x.integer("bytes", agree[i].bytes);
                if (agree[i].gzip >= 0)
                    x.integer("gzip_bytes", agree[i].gzip);
                else
                    x.raw("gzip_bytes", "null");
                x.integer("visitors", agree[i].rep.visitors);
                x.num("top20_overlap", agree[i].rep.mean_overlap, 4);
                x.num("top20_overlap_min", agree[i].rep.min_overlap, 4);
                arr += (i ? "," : "") + x.render();
            }
            j.raw("agreement", arr + "]");
        }
        std::string s = j.render();
        std::fputs(s.c_str(), stdout);
        if (s.empty() || s.back() != '\n') std::fputc('\n', stdout);
        return;
    }
    if (fmt == out_format::csv) {
        std::fputs(out_table_render(t, out_format::csv).c_str(), stdout);
        return;
    }
    std::printf("wrote %s: %d movies, %d factors, %s factors, %s bytes (%s), gzip %s bytes (%s), %.2f s\n",
                path.c_str(), m.n_items(), m.k, bundle_quant_name(o.quant), std::to_string(bytes.size()).c_str(),
                mb_text((int64_t) bytes.size()).c_str(), size_text(gz).c_str(), mb_text(gz).c_str(), seconds);
    std::fputs(out_table_render(t, out_format::table).c_str(), stdout);
    if (!agree.empty()) {
        out_table at;
        at.col("quantize", false);
        at.col("bytes", true);
        at.col("gzip_bytes", true);
        at.col("visitors", true);
        at.col("top20_overlap", true);
        at.col("min", true);
        for (const agree_row & x : agree)
            at.rows.push_back({x.name, std::to_string(x.bytes), size_text(x.gzip), std::to_string(x.rep.visitors),
                               fmt_num(x.rep.mean_overlap, 4), fmt_num(x.rep.min_overlap, 2)});
        std::printf(
            "top-20 agreement with float32 (20 ratings from the 1000 most-rated movies per visitor, min count %d):\n",
            a.agreement_min_count);
        std::fputs(out_table_render(at, out_format::table).c_str(), stdout);
    }
}

}  // namespace

void cli_add_export_web(CLI::App & app) {
    auto a = std::make_shared<export_args>();
    CLI::App * c =
        app.add_subcommand("export-web", "write the web page's bundle (items only, quantized) to DIR/bundle.mfm");
    c->add_option("--model", a->model_path, "model file written by mfrec train")->required();
    c->add_option("--out", a->out_dir, "output folder (created if missing); the bundle is DIR/bundle.mfm")->required();
    bundle_cli_add(c, a->bundle);
    c->add_option("--check-agreement", a->check_agreement,
                  "also measure the top-20 agreement of int8 and f16 with float32 over N synthetic visitors");
    c->add_option("--agreement-min-count", a->agreement_min_count,
                  "--check-agreement: only rank movies with at least this many ratings")
        ->capture_default_str();
    c->add_option("--seed", a->seed, "seed of --check-agreement's visitors")->capture_default_str();
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { export_run(*a); });
}

}  // namespace mf
