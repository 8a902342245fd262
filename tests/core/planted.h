// planted.h - ratings generated from a known model, for tests that must recover it.
//   r = μ + b_u + b_i + p_uᵀq_i + ε,  ε ~ N(0, σ²),  a fixed fraction of (u, i) pairs observed.
#pragma once

#include <vector>

#include "ratings.h"
#include "rng.h"

struct planted_data {
    mf::dataset d;
    float sigma;
};

inline planted_data planted_make(int32_t n_users, int32_t n_items, int k, double density, float sigma, uint64_t seed,
                                 int n_genres = 4) {
    planted_data out;
    out.sigma = sigma;
    mf::rng r(seed);
    mf::dataset & d = out.d;
    d.items.genres_init_movielens();
    d.items.genre_names.resize((size_t) n_genres);
    std::vector<std::vector<double>> p((size_t) n_users, std::vector<double>((size_t) k));
    std::vector<std::vector<double>> q((size_t) n_items, std::vector<double>((size_t) k));
    std::vector<double> bu((size_t) n_users), bi((size_t) n_items);
    for (int32_t i = 0; i < n_items; ++i) {
        uint32_t mask = 1u << (i % n_genres);
        d.items.add(1000 + i, "Movie " + std::to_string(i) + " (2001)", mask);
        bi[i] = 0.3 * r.normal();
        for (int c = 0; c < k; ++c) q[i][c] = 0.5 * r.normal();
    }
    for (int32_t u = 0; u < n_users; ++u) {
        d.users.get_or_add(10 + u);
        bu[u] = 0.3 * r.normal();
        for (int c = 0; c < k; ++c) p[u][c] = 0.5 * r.normal();
    }
    int64_t t = 1000000000;
    for (int32_t u = 0; u < n_users; ++u) {
        for (int32_t i = 0; i < n_items; ++i) {
            if (r.uniform() >= density) continue;
            double s = 3.0 + bu[u] + bi[i];
            for (int c = 0; c < k; ++c) s += p[u][c] * q[i][c];
            s += sigma * r.normal();
            if (s < 0.5) s = 0.5;
            if (s > 5.0) s = 5.0;
            d.push(u, i, (float) s, t++);
        }
    }
    return out;
}
