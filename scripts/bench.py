#!/usr/bin/env python3
"""scripts/bench.py - the measurements behind docs/BENCHMARKS.md (run through scripts/bench.sh).

Each figure is the median of 3 runs in this process, printed beside the CPU model and the
command that produced it. Sections can be selected: bench.py [--quick] [--skip-32m] [--only NAME].
"""
import argparse
import datetime
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTABLE = os.path.join(ROOT, "build", "mfrec")
NATIVE = os.path.join(ROOT, "build-native", "mfrec")
SMALL = os.path.join(ROOT, "data", "ml-latest-small")
CATALOG_32M = os.path.join(os.path.dirname(ROOT), "shared", "data", "ml-32m", "movies.csv")
SYNTH_DIR = "/tmp/mfrec-bench-ml32m"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def cpu():
    out = sh(["lscpu"]).stdout
    name = re.search(r"Model name:\s*(.*)", out).group(1).strip()
    flags = re.search(r"Flags:\s*(.*)", out)
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "amx_tile") if flags and f in flags.group(1).split()]
    return name, isa


def timed(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - t0, r.stdout


def median3(cmd):
    runs = [timed(cmd) for _ in range(3)]
    secs = sorted(r[0] for r in runs)
    return secs[1], runs[-1][1]


def train_json(binary, args, isa=None):
    env = dict(os.environ, MFREC_ISA=isa) if isa else None
    _, out = timed([binary, "train", "--format", "json", "--quiet"] + args, env=env)
    return json.loads(out)


def isa_paths(binary):
    """The kernel paths (core/cpu.h) the binary runs on this CPU, e.g. ['portable', 'avx2', 'avx512']."""
    info = json.loads(timed([binary, "info", "--cpu", "--format", "json"])[1])
    return info["paths this cpu runs"].split(), info


class Doc:
    def __init__(self):
        self.lines = []

    def add(self, *lines):
        # the docs show paths relative to the repository, never this machine's
        shared = os.path.join(os.path.dirname(ROOT), "shared")
        lines = tuple(l.replace(shared + "/", "../shared/").replace(ROOT + "/", "") for l in lines)
        self.lines.extend(lines)
        print("\n".join(lines), flush=True)


def section_small(doc):
    cmd = [PORTABLE, "train", "--data", SMALL, "--split", "random:0.2", "--seed", "42", "--baselines", "--format", "json", "--quiet"]
    secs, out = median3(cmd)
    r = json.loads(out)
    doc.add("## ml-latest-small (100,836 ratings): accuracy and time", "",
            f"Command: `{' '.join(['mfrec'] + cmd[1:])}` (defaults: {r['factors']} factors, {r['iterations']} epochs, "
            f"λ={r['regularization']}, λ_b={r['reg_bias']}, τ={r['genre_prior']}; chosen in docs/TUNING.md)", "",
            "| model | test RMSE |", "|---|---|",
            f"| global mean | {r['mean_test_rmse']:.4f} |",
            f"| biases | {r['bias_test_rmse']:.4f} |",
            f"| **ALS + biases + genre prior (default)** | **{r['test_rmse']:.4f}** (MAE {r['test_mae']:.4f}) |", "",
            f"Wall time of the whole command (load, split, both baselines, train, evaluate), median of 3: "
            f"**{secs:.2f} s** on 2 threads (bar: < 2 s).", "")
    cmd2 = [PORTABLE, "train", "--data", SMALL, "--split", "random:0.2", "--seed", "42", "--solver", "cg", "--format", "json", "--quiet"]
    r2 = json.loads(timed(cmd2)[1])
    doc.add(f"Conjugate gradient (`--solver cg`, 4 warm-started steps, the default count) on the same split: test RMSE {r2['test_rmse']:.4f} "
            f"(Cholesky {r['test_rmse']:.4f}).", "")


def section_peak(doc):
    rows = []
    for name, b in (("portable", os.path.join(ROOT, "build", "mfrec_peak_flops")), ("-march=native", os.path.join(ROOT, "build-native", "mfrec_peak_flops"))):
        if os.path.exists(b):
            rows.append((name, json.loads(timed([b])[1])))
    peak = rows[0][1] if rows else {}
    doc.add("## fp32 FMA peak of this machine", "",
            "`build/mfrec_peak_flops` (tests/bench/peak_flops.cpp: 12 register-resident FMA chains per thread, 2 threads):", "",
            f"AVX2: **{peak.get('avx2_gflops', 0):.0f} GFLOP/s**, AVX-512: **{peak.get('avx512_gflops', 0):.0f} GFLOP/s**", "")
    return peak


EPOCH_BEGIN = "<!-- epoch: begin (scripts/bench.py --only epoch) -->"
EPOCH_END = "<!-- epoch: end -->"


def section_epoch(doc, peak, data_dir, info, quick, ks=None):
    """One ALS epoch at 32M per kernel path of the one portable binary (MFREC_ISA), same run."""
    paths, cpuinfo = isa_paths(PORTABLE)
    load0 = os.getloadavg()
    ks = ks or ([20, 64] if quick else [20, 64, 128])
    n = info["ratings"] * 0.9
    rows_n = info["users"] + info.get("movies_rated", 84000)
    doc.add(EPOCH_BEGIN, "### One ALS epoch on 32M ratings, 2 threads, per kernel path", "",
            f"CPU: **{cpuinfo['cpu']}** (`mfrec info --cpu`: {cpuinfo['cpu features']}). One binary (`build/mfrec`: "
            "baseline x86-64, the kernels of core/kernels_avx2.cpp and core/kernels_avx512.cpp chosen at run time, the best by "
            "default), the path forced with `MFREC_ISA=portable|avx2|avx512`; all rows measured in the same run. "
            "Epoch = user half-sweep + item half-sweep (biases solved with the vectors) + genre step + the train and test RMSE passes. "
            "Median of epochs 2-5 of one 5-epoch run (`mfrec train --data <32M> --split random:0.1 --factors k --solver s --iterations 5`; "
            "the first epoch also allocates). FLOPs: Cholesky counts the lower-triangle Gram "
            "update (k+1)(k+2) per rating and side plus (k+1)³/3 per row; CG (4 warm-started steps, the default) counts 4(k+1) per rating, side and step plus 2(k+1) for Zᵀt "
            "(at k = 20 the movies whose packed rows exceed 1 MiB are solved exactly, which costs about as much; counted as CG). "
            "On the AVX2 and AVX-512 paths CG gathers the other side's rows in half precision (F16C); the portable path gathers floats. "
            f"Peaks from `build/mfrec_peak_flops`: AVX2 {peak.get('avx2_gflops', 0):.0f}, AVX-512 {peak.get('avx512_gflops', 0):.0f} GFLOP/s; "
            "the portable path is set against the AVX2 peak. × avx2: epoch time of the AVX2 path over this row's, same run.", "",
            "| path | solver | k | epoch s | × avx2 | GFLOP | GFLOP/s | % of AVX2 peak | % of the path's peak | test RMSE after 5 |",
            "|---|---|---|---|---|---|---|---|---|---|")
    for solver in ("cholesky", "cg"):
        for k in ks:
            res = {}
            for path in paths:
                r = train_json(PORTABLE, ["--data", data_dir, "--split", "random:0.1", "--factors", str(k), "--iterations", "5",
                                          "--solver", solver], isa=path)
                res[path] = (statistics.median(r["epoch_seconds"][1:]), r["test_rmse"])  # the first epoch also allocates
            d = k + 1
            if solver == "cholesky":
                gf = (2 * n * d * (d + 1) + rows_n * d ** 3 / 3) / 1e9
            else:
                gf = (2 * n * (2 * d + 4 * 4 * d)) / 1e9
            for path in paths:
                ep, rmse = res[path]
                own = peak.get("avx512_gflops" if path == "avx512" else "avx2_gflops", 1)
                ratio = f"{res['avx2'][0] / ep:.2f}" if "avx2" in res else ""
                doc.add(f"| {path} | {solver} | {k} | **{ep:.2f}** | {ratio} | {gf:.0f} | {gf / ep:.0f} | "
                        f"{100 * gf / ep / peak.get('avx2_gflops', 1):.0f}% | {100 * gf / ep / own:.0f}% | {rmse:.4f} |")
    load = os.getloadavg()
    doc.add("", f"Load average (1, 5, 15 min) at the start of the run: {load0[0]:.1f}, {load0[1]:.1f}, {load0[2]:.1f}; at the end: "
            f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} on {os.cpu_count()} cores" +
            (": other processes shared the cores, the seconds above are inflated and the same-run ratios are the figures to read."
             if max(load0 + load) > (os.cpu_count() or 1) + 0.5 else "."), "",
            "Bars (issue 13): k = 64 CG ≤ 0.6 s; Cholesky at k = 64 ≥ 60% of the AVX2 peak.", EPOCH_END, "")


INGEST_BEGIN = "<!-- ingest: begin (scripts/bench.py --only ingest) -->"
INGEST_END = "<!-- ingest: end -->"


def section_ingest(doc, data_dir, runs=5):
    """CSV and cache load beside `wc -l` of the same file, runs interleaved in this process."""
    ratings = os.path.join(data_dir, "ratings.csv")
    size_mb = os.path.getsize(ratings) / 1e6
    _, cpuinfo = isa_paths(PORTABLE)
    load0 = os.getloadavg()
    load_cmd = [PORTABLE, "train", "--data", data_dir, "--model", "mean", "--split", "none", "--format", "json", "--quiet"]
    subprocess.run(["cat", ratings], stdout=subprocess.DEVNULL, check=True)  # page cache warm
    # one unmeasured load first: in a virtual machine the first big allocation after a pause
    # pays for the host backing the guest's memory again (0.4 s here), which no later run does
    timed(load_cmd + ["--no-cache"])
    wc, csv = [], []
    for _ in range(runs):  # interleaved: both see the same machine
        wc.append(timed(["wc", "-l", ratings])[0])
        csv.append(json.loads(timed(load_cmd + ["--no-cache"])[1]))
    cache = ratings + ".mfcache"
    if os.path.exists(cache):
        os.remove(cache)
    timed(load_cmd)  # writes the cache
    cached = [json.loads(timed(load_cmd)[1]) for _ in range(runs)]
    wc_s = statistics.median(wc)
    ratio = statistics.median(r["load_seconds"] / w for r, w in zip(csv, wc))
    csv_s = statistics.median(r["load_seconds"] for r in csv)
    cache_s = statistics.median(r["load_seconds"] for r in cached)
    # why pread: one 2-thread pass over the same file through a mapping and through pread
    rb = os.path.join(ROOT, "build", "mfrec_read_bench")
    read_note = ""
    if os.path.exists(rb):
        r = json.loads(timed([rb, ratings])[1])
        read_note = (f"Why the loader reads with `pread` (windows of 256 KiB a thread) and does not map the file: "
                     f"`build/mfrec_read_bench ratings.csv` (tests/bench/read_bench.cpp), one pass counting the '\\n's on "
                     f"2 threads, median of 3: through a mapping of the page cache {r['mmap_seconds']:.3f} s (unmap included), "
                     f"through `pread` into a buffer {r['pread_seconds']:.3f} s: "
                     f"**{r['mmap_seconds'] / r['pread_seconds']:.1f}×** (page faults are dear in a virtual machine).")
    load = os.getloadavg()
    busy = max(load0 + load) > (os.cpu_count() or 1) + 0.5
    doc.add(INGEST_BEGIN, "### Ingestion (2 threads)", "",
            f"CPU: **{cpuinfo['cpu']}**, {os.cpu_count()} cores, portable build. DIR: the ML-32M-shaped synthetic set "
            "(`mfrec synth --like ml-32m --seed 1`). "
            f"`{' '.join(['mfrec'] + [x if x != data_dir else 'DIR' for x in load_cmd[1:]])}` "
            f"(`--no-cache` for the CSV), beside `wc -l` of the same {size_mb:.0f} MB file, {runs} runs of each interleaved "
            "(page cache warm for both, one unmeasured load first); medians; × `wc -l` is the median of the per-pair ratios. "
            "`load_seconds`: movies.csv and ratings.csv parsed (or the cache mapped and every section's checksum verified), "
            "ids mapped, duplicates checked, the dataset in memory; `matrix_seconds`: the training CSR and CSC built from it.", "",
            "| source | load s | × `wc -l` | + CSR/CSC s | throughput (load) |", "|---|---|---|---|---|",
            f"| `wc -l ratings.csv` | {wc_s:.3f} | 1 | | {size_mb / wc_s:.0f} MB/s |",
            f"| ratings.csv ({size_mb:.0f} MB) | **{csv_s:.3f}** | **{ratio:.2f}** (bar ≤ 3) | "
            f"{statistics.median(r['matrix_seconds'] for r in csv):.2f} | {size_mb / csv_s:.0f} MB/s |",
            f"| binary cache (mmap) | **{cache_s:.3f}** (bar ≤ 0.5) | {statistics.median(r['load_seconds'] for r in cached) / wc_s:.2f} | "
            f"{statistics.median(r['matrix_seconds'] for r in cached):.2f} | |", "",
            *([read_note, ""] if read_note else []),
            f"Load average (1, 5, 15 min) at the start: {load0[0]:.1f}, {load0[1]:.1f}, {load0[2]:.1f}; at the end: "
            f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}" +
            (": other processes shared the cores; the ratio to `wc -l` is the figure to read." if busy else "."),
            INGEST_END, "")


PEERS_BEGIN = "<!-- peers: begin (scripts/bench.py --only peers) -->"
PEERS_END = "<!-- peers: end -->"
PEERS_DIR = "/tmp/mfrec-bench-peers"


def libmf_dir():
    """LIBMF built from its public source outside the repository: $MFREC_LIBMF, ../peers/libmf, or mf-train on PATH."""
    for d in (os.environ.get("MFREC_LIBMF", ""), os.path.join(os.path.dirname(ROOT), "peers", "libmf")):
        if d and os.path.exists(os.path.join(d, "mf-train")):
            return d
    found = shutil.which("mf-train")
    return os.path.dirname(found) if found else None


def peers_split(data_dir, out, seed=1, test_share=0.1):
    """A seeded random split of DIR/ratings.csv written for both tools: train.csv/test.csv (mfrec --ratings)
    and train.txt/test.txt (LIBMF: "user item rating")."""
    import random
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(data_dir, "movies.csv"), os.path.join(out, "movies.csv"))
    names = ("train.csv", "test.csv", "train.txt", "test.txt")
    files = [open(os.path.join(out, n), "w") for n in names]
    with open(os.path.join(data_dir, "ratings.csv")) as f:
        head = f.readline()
        files[0].write(head)
        files[1].write(head)
        for line in f:
            t = rnd.random() < test_share
            files[1 if t else 0].write(line)
            u, i, r, _ = line.split(",", 3)
            files[3 if t else 2].write(f"{u} {i} {r}\n")
    for x in files:
        x.close()


def section_peers(doc, data_dir, k=64):
    """mfrec beside LIBMF on one split of the same data: seconds per epoch, test RMSE, time to an RMSE."""
    libmf = libmf_dir()
    _, cpuinfo = isa_paths(PORTABLE)
    lines = [PEERS_BEGIN, "### Beside LIBMF (same split, same machine, same run)", ""]
    if not libmf:
        doc.add(*lines, "Skipped: LIBMF not found. Build it the way its users do, outside this repository "
                "(`git clone https://github.com/cjlin1/libmf ../peers/libmf && make -C ../peers/libmf all "
                "DFLAG=\"-DUSEAVX -DUSEOMP\"`; or set MFREC_LIBMF to its folder) and rerun "
                "`python3 scripts/bench.py --only peers --data-32m DIR`.", PEERS_END, "")
        return
    load0 = os.getloadavg()
    peers_split(data_dir, PEERS_DIR)
    tr_txt, te_txt = os.path.join(PEERS_DIR, "train.txt"), os.path.join(PEERS_DIR, "test.txt")
    # LIBMF: per-iteration test RMSE (-p) with the time each line arrives
    cmd = [os.path.join(libmf, "mf-train"), "-k", str(k), "-t", "20", "-l2", "0.05", "-s", "2", "-p", te_txt, tr_txt,
           os.path.join(PEERS_DIR, "libmf.model")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stamps, rmses = [], []
    for line in proc.stdout:
        f = line.split()
        if len(f) >= 3 and f[0].isdigit():
            stamps.append(time.perf_counter() - t0)
            rmses.append(float(f[2]))
    proc.wait()
    wall = time.perf_counter() - t0
    lib_epoch = statistics.median(b - a for a, b in zip(stamps, stamps[1:]))
    lib_best = min(rmses)
    # mfrec on the same training file: the plain command (every default: the hybrid, whose explicit
    # ALS predicts the ratings, early stopping on a part of the training file) and the explicit ALS
    # alone (the same job as LIBMF's); test RMSE on the same test file
    model = os.path.join(PEERS_DIR, "mfrec.mfm")
    rows = []
    for label, extra in (("plain command (hybrid: ratings and lists)", []), ("`--model als` (ratings only)", ["--model", "als"])):
        mtrain = [PORTABLE, "train", "--data", PEERS_DIR, "--ratings", os.path.join(PEERS_DIR, "train.csv"), "--split",
                  "none", "--factors", str(k), *extra, "--no-cache", "--format", "json", "--quiet", "--out", model]
        t1 = time.perf_counter()
        r = json.loads(timed(mtrain)[1])
        mwall = time.perf_counter() - t1
        e = json.loads(timed([PORTABLE, "eval", "--model", model, "--data", PEERS_DIR, "--ratings",
                              os.path.join(PEERS_DIR, "test.csv"), "--split", "none", "--metrics", "rating", "--no-cache",
                              "--format", "json", "--quiet"])[1])
        rows.append((label, mtrain, r, e, mwall))
    hit = next((j for j, x in enumerate(rmses) if x <= 0.745), None)
    load = os.getloadavg()
    rel = lambda p: p.replace(PEERS_DIR, "SPLIT")
    table = [f"| LIBMF (SGD, λ = 0.05) | {lib_epoch:.2f} | {len(rmses)} | {lib_epoch * len(rmses):.1f} | {lib_best:.4f} "
             f"(best of the {len(rmses)}) | {wall:.1f} |"]
    for label, mtrain, r, e, mwall in rows:
        table.append(f"| mfrec, {label}: {r.get('solver', '')} | {statistics.median(r['epoch_seconds']):.2f} | "
                     f"{len(r['epoch_seconds'])} | {sum(r['epoch_seconds']):.1f} | {e['test_rmse']:.4f} | {mwall:.1f} |")
    als = rows[1]
    als_epoch = statistics.median(als[2]["epoch_seconds"])
    doc.add(*lines,
            f"CPU: **{cpuinfo['cpu']}**, {os.cpu_count()} cores, k = {k}. The ML-32M-shaped synthetic set split at random "
            f"(seed 1, 10% held out) by `scripts/bench.py` into SPLIT/train and SPLIT/test, written for each tool. "
            f"LIBMF (github.com/cjlin1/libmf, built outside this repository with its Makefile, AVX + OpenMP, `-march=native`): "
            f"`{' '.join(['mf-train'] + [rel(x) for x in cmd[1:]])}`, each iteration's line timed as it arrives. "
            f"mfrec (portable build): `{' '.join(['mfrec'] + [rel(x) for x in rows[0][1][1:]])}` [`--model als`], then "
            "`mfrec eval --model M --data SPLIT --ratings SPLIT/test.csv --split none --metrics rating`. "
            "Wall: the whole command (LIBMF: text parse and training; mfrec: CSV parse, early stopping's validation, the "
            "hybrid's ranking model when it is trained, the model written).", "",
            "| | seconds per epoch | epochs | seconds of epochs | test RMSE | wall s |", "|---|---|---|---|---|---|", *table, "",
            f"LIBMF first reaches a test RMSE ≤ 0.745 after {hit + 1 if hit is not None else '—'} epochs "
            f"({(hit + 1) * lib_epoch:.1f} s of epochs); " if hit is not None else "LIBMF does not reach a test RMSE ≤ 0.745 in 20 epochs; ",
            f"mfrec's explicit ALS ends at {als[3]['test_rmse']:.4f} after {len(als[2]['epoch_seconds'])} epochs "
            f"({sum(als[2]['epoch_seconds']):.1f} s). Ratios, `mfrec --model als` over LIBMF: seconds per epoch "
            f"**{als_epoch / lib_epoch:.2f}×**, seconds of epochs **{sum(als[2]['epoch_seconds']) / (lib_epoch * len(rmses)):.2f}×**, "
            f"test RMSE **{als[3]['test_rmse'] / lib_best:.4f}×**, wall **{als[4] / wall:.2f}×**. "
            f"Load average at the start {load0[0]:.1f}, at the end {load[0]:.1f}.", PEERS_END, "")


def section_32m(doc, peak, quick):
    if not os.path.exists(CATALOG_32M):
        doc.add("## Full scale", "", f"skipped: {CATALOG_32M} not found", "")
        return
    ratings = os.path.join(SYNTH_DIR, "ratings.csv")
    synth_cmd = [PORTABLE, "synth", "--like", "ml-32m", "--movies", CATALOG_32M, "--out", SYNTH_DIR, "--seed", "1", "--quiet"]
    secs, out = timed(synth_cmd)
    info = json.load(open(os.path.join(SYNTH_DIR, "synth.json")))
    floor = info.get("floor_rmse") or info.get("best_rmse") or info.get("best_achievable_rmse")
    size_mb = os.path.getsize(ratings) / 1e6
    doc.add("## Full scale: ML-32M-shaped synthetic data", "",
            f"`{' '.join(['mfrec'] + synth_cmd[1:])}`: {info['ratings']:,} ratings, {info['users']:,} users, "
            f"{info.get('movies_rated', 0):,} movies rated, {size_mb:.0f} MB, generated in **{secs:.1f} s** (bar ≤ 60 s). "
            f"Planted noise σ = {info.get('noise_std')}, best achievable RMSE (the Bayes floor, E[rating | s]) {floor}; "
            f"the clean score s itself scores {info.get('clean_score_rmse')}. Oracle reference on a random 10% of the ratings "
            f"(every movie's true parameters given, only the users estimated, by their Gaussian posterior mean): "
            f"**{info.get('oracle_rmse')}**, {100 * (float(info.get('oracle_rmse') or 0) / float(floor) - 1):.2f}% above the floor.", "")

    section_ingest(doc, SYNTH_DIR)

    section_epoch(doc, peak, SYNTH_DIR, info, quick)
    section_peers(doc, SYNTH_DIR)

    # time to accuracy: ALS-WR's λ chosen on a validation split carved out of the training part
    base = ["--data", SYNTH_DIR, "--split", "random:0.1", "--factors", "64", "--solver", "cg", "--reg-by-count", "--reg-bias", "0.05"]
    sweep = []
    for lam in ("0.05", "0.1", "0.2"):
        v = train_json(PORTABLE, base + ["--regularization", lam, "--iterations", "8", "--validate", "random:0.1"])
        sweep.append((min(v["test_rmse_by_epoch"]), lam))
    best_lam = min(sweep)[1]
    cmd = base + ["--regularization", best_lam, "--iterations", "10"]
    r = train_json(PORTABLE, cmd)
    t, curve = 0.0, []
    oracle = float(info.get("oracle_rmse") or 0)
    for s, rm in zip(r["epoch_seconds"], r["test_rmse_by_epoch"]):
        t += s
        curve.append(f"| {len(curve) + 1} | {t:.1f} | {rm:.4f} | {100 * (rm / float(floor) - 1):.2f}% | "
                     f"{100 * (rm / oracle - 1):.2f}% |" if oracle else f"| {len(curve) + 1} | {t:.1f} | {rm:.4f} | | |")
    doc.add("### Time to accuracy (k = 64, `--split random:0.1`, portable build)", "",
            "ALS-WR (λ scaled by each row's rating count): λ chosen on a validation split of the training part "
            "(`--validate random:0.1`, 8 epochs, best validation RMSE: " +
            ", ".join(f"λ={lam}: {v:.4f}" for v, lam in sweep) + f"), then `mfrec {' '.join(['train'] + cmd)}`.", "",
            f"Floor (best achievable RMSE, infinite data): {floor}. Oracle reference (movies known, users estimated): {oracle}. "
            "Bar: within 1% of the floor in ≤ 15 s of training.", "",
            "| epoch | training s (cumulative) | test RMSE | above floor | above oracle |", "|---|---|---|---|---|", *curve, "")

    # the model the web section measures (k = 64, 8 epochs)
    subprocess.run([PORTABLE, "train", "--data", SYNTH_DIR, "--split", "random:0.1", "--factors", "64", "--iterations", "8",
                    "--quiet", "--out", "/tmp/mfrec-bench-32m.mfm"], check=True, capture_output=True)
    # peak RSS: k = 64, the plain command (the default model, early stopping, the model written) and
    # the explicit ALS alone
    if os.path.exists("/usr/bin/time"):
        rows = []
        for label, extra in (("hybrid (the default)", []), ("als", ["--model", "als"])):
            res = subprocess.run(["/usr/bin/time", "-v", PORTABLE, "train", "--data", SYNTH_DIR, "--split", "random:0.1",
                                  "--factors", "64", *extra, "--quiet", "--out", "/tmp/mfrec-bench-rss.mfm"],
                                 capture_output=True, text=True)
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr)
            if m:
                kb = int(m.group(1))
                rows.append(f"| {label} | **{kb * 1024 / 1e9:.2f}** | {kb * 1024 / 1e6 / (info['ratings'] / 1e6):.1f} |")
        doc.add("### Memory", "",
                f"`/usr/bin/time -v mfrec train --data {SYNTH_DIR} --split random:0.1 --factors 64 [--model als] --out M`"
                " (cache present; every default: early stopping, the model written): maximum RSS (bar ≤ 1.0 GB).", "",
                "| model | peak RSS GB | MB per million ratings |", "|---|---|---|", *rows, "")


def section_web(doc, have_32m):
    """Bundle size and quantization agreement (a k = 64 model on the 32M data, the real 87,585-movie
    catalog), wasm fold-in + ranking under node, and the browser measurements (headless Chromium)."""
    model = "/tmp/mfrec-bench-32m.mfm"
    doc.add("## Web bundle and the page", "")
    if have_32m and os.path.exists(model):
        out = "/tmp/mfrec-bench-web"
        cmd = [PORTABLE, "export-web", "--model", model, "--out", out, "--check-agreement", "1000", "--format", "json", "--quiet"]
        r = json.loads(timed(cmd)[1])
        doc.add(f"`{' '.join(['mfrec'] + cmd[1:])}` (model: k = 64 trained on the 32M data, 87,585 movies):", "",
                "```json", json.dumps(r, indent=1), "```", "")
        node_bench = [os.path.join(ROOT, "wasm", "bench_node.cjs"), os.path.join(ROOT, "build-wasm", "wasm", "node", "mfrec_node.js"),
                      os.path.join(out, "bundle.mfm"), "300", "--json"]
        if os.path.exists(node_bench[1]):
            res = subprocess.run(["node", "--no-experimental-fetch"] + node_bench, capture_output=True, text=True)
            doc.add("wasm (node 20, single-threaded SIMD build), fold-in of 20 ratings + ranking all movies, 300 repetitions: "
                    f"`node wasm/bench_node.cjs build-wasm/wasm/node/mfrec_node.js {out}/bundle.mfm 300 --json`", "",
                    "```json", res.stdout.strip()[-3000:], "```", "")
    # the browser measurements (tests/browser/bench.mjs; the browser tests assert behaviour only, no times)
    res = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "run.mjs"), "--bench"], capture_output=True, text=True, cwd=ROOT)
    measured = res.stdout[res.stdout.find("measured:"):] if "measured:" in res.stdout else res.stdout[-3000:]
    doc.add("Headless Chromium (`node tests/browser/run.mjs --bench`, tests/browser/bench.mjs; each figure names its bar and "
            "whether this run met it: time-to-interactive ≤ 1.5 s, search ≤ 50 ms per query, fold-in + ranking ≤ 5 ms median "
            "(shipped bundle and 87,585 movies), in-browser training of ml-latest-small at k = 32, 10 iterations ≤ 3 s; "
            f"load average at the start {os.getloadavg()[0]:.1f}):", "",
            "```", measured.strip(), "```", "")


RANKING_BEGIN = "<!-- ranking: begin (scripts/bench.py --only ranking) -->"
RANKING_END = "<!-- ranking: end -->"


def section_ranking(doc):
    """Every model kind on ml-latest-small, two splits, seed 42: ranking metrics with 95% CIs and RMSE."""
    import tempfile
    doc.add(RANKING_BEGIN, "## Lists: ranking metrics of every model (ml-latest-small)", "",
            "Each model trained with its defaults: `mfrec train --data data/ml-latest-small --model M --split S "
            "--seed 42 --out M.mfm`, then `mfrec eval --model M.mfm --data data/ml-latest-small --split S --seed 42 "
            "--metrics rating,ranking --format json`. Full catalogue, each user's training movies excluded, top 10, "
            "any held-out rating relevant; mean over users [95% CI]. RMSE only for the kinds that predict ratings. "
            "(Accuracy, not speed: the machine's load does not change these numbers.)", "")
    kinds = ["pop", "bias", "als", "ials", "ease", "hybrid"]
    doc.add("`hybrid` is what plain `mfrec train` makes (the list recommender). Similar movies, for the kinds with "
            "movie vectors: `--metrics similar` — each held-out user's first two held-out movies (A, B), hit when B "
            "is among the 20 movies most similar to A; and the median training-rating count of the top 10 similar "
            "movies.", "")
    for split in ["user-time:0.2", "random:0.2"]:
        doc.add(f"`--split {split}`:", "",
                "| model | P@10 | R@10 | NDCG@10 | MAP@10 | HR@10 | MRR | AUC | coverage@10 | novelty@10 | RMSE "
                "| similar hit@20 | similar median count |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        base = None
        for kind in kinds:
            with tempfile.TemporaryDirectory() as tmp:
                m = os.path.join(tmp, "m.mfm")
                sh([PORTABLE, "train", "--data", SMALL, "--model", kind, "--split", split, "--seed", "42", "--quiet",
                    "--out", m])
                metrics = "rating,ranking,similar" if kind in ("als", "ials", "hybrid") else "rating,ranking"
                j = json.loads(sh([PORTABLE, "eval", "--model", m, "--data", SMALL, "--split", split, "--seed", "42",
                                   "--metrics", metrics, "--format", "json", "--quiet"]).stdout)

            def ci(key):
                lo, hi = j[key + "_ci"]
                return f"{j[key]:.4f} [{lo:.3f}, {hi:.3f}]"
            if kind == "pop":
                base = j
            rmse = f"{j['rmse']:.4f}" if j.get("rmse") is not None else "—"
            doc.add(f"| {kind} | {ci('precision_at_10')} | {j['recall_at_10']:.4f} | {ci('ndcg_at_10')} | "
                    f"{j['map_at_10']:.4f} | {j['hit_rate_at_10']:.3f} | {j['mrr']:.4f} | {j['auc']:.4f} | "
                    f"{j['coverage_at_10']:.4f} | {j['novelty_at_10']:.2f} | {rmse} | " +
                    (f"{ci('similar_hit_at_20')} | {j['similar_median_count_at_10']:.0f} |"
                     if "similar_hit_at_20" in j else "— | — |"))
        doc.add("")
        if base:
            doc.add(f"Popularity's NDCG@10 on this split is {base['ndcg_at_10']:.4f}; 1.5× that is "
                    f"{1.5 * base['ndcg_at_10']:.4f}; its P@10 {base['precision_at_10']:.4f} (1.4×: "
                    f"{1.4 * base['precision_at_10']:.4f}); its coverage@10 {base['coverage_at_10']:.4f}.", "")
    doc.add(RANKING_END, "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-32m", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    ap.add_argument("--only", choices=["ranking", "epoch", "ingest", "peers"], help="regenerate one section in place")
    ap.add_argument("--data-32m", default=SYNTH_DIR, help="--only epoch|ingest|peers: an existing ML-32M-shaped synthetic set")
    ap.add_argument("--epoch-k", type=int, action="append", help="--only epoch: these factor counts only (repeatable)")
    a = ap.parse_args()
    name, isa = cpu()
    if a.only:
        doc = Doc()
        if a.only == "ranking":
            section_ranking(doc)
            begin, end = RANKING_BEGIN, RANKING_END
        elif a.only == "ingest":
            section_ingest(doc, a.data_32m)
            begin, end = INGEST_BEGIN, INGEST_END
        elif a.only == "peers":
            section_peers(doc, a.data_32m)
            begin, end = PEERS_BEGIN, PEERS_END
        else:
            info = json.load(open(os.path.join(a.data_32m, "synth.json")))
            section_epoch(doc, section_peak(Doc()), a.data_32m, info, a.quick, a.epoch_k)
            begin, end = EPOCH_BEGIN, EPOCH_END
        old = open(a.out).read() if os.path.exists(a.out) else ""
        new = "\n".join(doc.lines)
        if begin in old and end in old:
            head, rest = old.split(begin, 1)
            tail = rest.split(end, 1)[1].lstrip("\n")
            text = head + new + "\n" + tail
        else:
            text = old.rstrip("\n") + "\n\n" + new + "\n"
        with open(a.out, "w") as f:
            f.write(text)
        return
    doc = Doc()
    doc.add("# Benchmarks", "",
            f"Regenerated by `scripts/bench.sh` on {datetime.date.today().isoformat()}. Machine: **{name}**, "
            f"{os.cpu_count()} cores, ISA {', '.join(isa)}. Portable build (what ships): `-O3` for baseline x86-64, the kernels "
            f"also for AVX2+FMA+F16C and AVX-512, chosen at run time (`mfrec info --cpu`); "
            f"native: `-O3 -march=native` (comparison only).", "")
    section_small(doc)
    section_ranking(doc)
    peak = section_peak(doc)
    if not a.skip_32m:
        section_32m(doc, peak, a.quick)
    section_web(doc, not a.skip_32m)
    # blocks measured by hand (their own commands are named inside) survive a regeneration
    old = open(a.out).read() if os.path.exists(a.out) else ""
    for kept in re.findall(r"<!-- kept: begin.*?<!-- kept: end -->", old, flags=re.S):
        doc.add(kept, "")
    with open(a.out, "w") as f:
        f.write("\n".join(doc.lines) + "\n")


if __name__ == "__main__":
    main()
