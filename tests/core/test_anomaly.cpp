#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "anomaly.h"
#include "rng.h"

using namespace mf;

TEST_CASE("robust z-scores: median and MAD, with a stand-in for a zero MAD", "[anomaly]") {
    robust_stats s = robust_stats_of({1, 2, 3, 4, 100});
    REQUIRE(s.median == 3);
    REQUIRE(s.mad == 1);  // deviations 2, 1, 0, 1, 97
    REQUIRE(robust_z(100, s) == Approx(97 / 1.4826));
    robust_stats d = robust_stats_of({1, 1, 1, 5});
    REQUIRE(d.median == 1);
    REQUIRE(d.mad == Approx(0.6745 / 0.7979));  // mean absolute deviation 1
    REQUIRE(robust_z(5, d) == Approx(4 / (1.4826 * 0.6745 / 0.7979)));
}

namespace {

// Users rate movies drawn from a long-tailed popularity (weight 1 / (i + 5)), ratings from
// biases plus noise; then `fakes` accounts give `target` 5 stars and 10 movies drawn uniformly from
// the catalogue random ratings (a random shilling attack).
dataset shilled(int32_t users, int32_t items, int32_t fakes, int32_t target, uint64_t seed) {
    rng r(seed);
    dataset d;
    d.items.genres_init_movielens();
    for (int32_t i = 0; i < items; ++i) d.items.add(100 + i, "M" + std::to_string(i), 1u << (i % 8));
    std::vector<double> cum((size_t) items);
    double tot = 0;
    for (int32_t i = 0; i < items; ++i) cum[(size_t) i] = tot += 1.0 / (i + 5.0);
    std::vector<double> bi((size_t) items);
    for (double & b : bi) b = 0.5 * r.normal();
    for (int32_t u = 0; u < users + fakes; ++u) {
        const int32_t row = d.users.get_or_add(1 + u);
        std::set<int32_t> seen;
        if (u < users) {
            const double bu = 0.4 * r.normal();
            const int32_t n = 20 + (int32_t) r.below(60);
            while ((int32_t) seen.size() < n) {
                const double x = r.uniform() * tot;
                int32_t i = (int32_t) (std::lower_bound(cum.begin(), cum.end(), x) - cum.begin());
                if (i >= items || !seen.insert(i).second) continue;
                double v = std::round(2 * (3.6 + bu + bi[(size_t) i] + 0.7 * r.normal())) / 2;
                d.push(row, i, (float) std::min(5.0, std::max(0.5, v)), 0);
            }
        } else {
            seen.insert(target);
            d.push(row, target, 5.0f, 0);
            while (seen.size() < 11) {
                int32_t i = (int32_t) r.below((uint64_t) items);
                if (!seen.insert(i).second) continue;
                d.push(row, i, (float) (1 + r.below(5)), 0);
            }
        }
    }
    return d;
}

}  // namespace

TEST_CASE("a planted shilling attack is found with precision and recall >= 0.9", "[anomaly]") {
    for (uint64_t seed : {1, 2, 3}) {
        INFO("seed " << seed);
        const int32_t users = 600, fakes = 50;
        dataset d = shilled(users, 2000, fakes, 1500, seed);
        std::vector<user_anomaly> a = *anomalies_score(d);
        REQUIRE((int32_t) a.size() == users + fakes);
        int tp = 0, fp = 0;
        for (const user_anomaly & x : a) {
            if (!x.flagged) continue;
            (x.user >= users ? tp : fp) += 1;
        }
        const double precision = tp + fp > 0 ? (double) tp / (tp + fp) : 0, recall = (double) tp / fakes;
        INFO("tp " << tp << " fp " << fp);
        REQUIRE(precision >= 0.9);
        REQUIRE(recall >= 0.9);
        // the fakes' push term names the target
        for (const user_anomaly & x : a)
            if (x.user >= users) REQUIRE(x.push_item == 1500);
    }
    // without an attack, few are flagged
    dataset clean = shilled(600, 2000, 0, 1500, 9);
    int flagged = 0;
    const std::vector<user_anomaly> scored = *anomalies_score(clean);
    for (const user_anomaly & x : scored) flagged += x.flagged;
    REQUIRE(flagged <= 12);
}

TEST_CASE("anomalies of an empty dataset fail", "[anomaly]") {
    dataset d;
    REQUIRE_FALSE(anomalies_score(d).ok());
}

namespace {

// Users of 6 tastes: movie i belongs to taste i % 6 (its genre bit too); each user rates 20..79
// movies, 3 in 4 from their taste and the rest from anywhere, over 1..6 sessions a day or more
// apart (ratings within a session a minute apart).
dataset tastes(int32_t users, int32_t items, uint64_t seed) {
    rng r(seed);
    dataset d;
    d.items.genres_init_movielens();
    for (int32_t i = 0; i < items; ++i) d.items.add(100 + i, "M" + std::to_string(i), 1u << (i % 6));
    for (int32_t u = 0; u < users; ++u) {
        const int32_t row = d.users.get_or_add(1 + u), taste = u % 6;
        const int32_t n = 20 + (int32_t) r.below(60), sessions = 1 + (int32_t) r.below(6);
        int64_t t = 1000000000 + (int64_t) r.below(1000000);
        std::set<int32_t> seen;
        for (int32_t s = 0; s < sessions; ++s) {
            const int32_t in = s + 1 < sessions ? n / sessions : n - (sessions - 1) * (n / sessions);
            for (int32_t j = 0; j < in;) {
                int32_t i = (int32_t) r.below((uint64_t) items);
                if (r.uniform() < 0.75) i = i - i % 6 + taste;
                if (i >= items || !seen.insert(i).second) continue;
                d.push(row, i, (float) (1 + r.below(5)), t);
                t += 60;
                ++j;
            }
            t += 86400 + (int64_t) r.below(30 * 86400);
        }
    }
    return d;
}

}  // namespace

TEST_CASE("planted shared accounts (two tastes, sessions interleaved) are found with precision and recall >= 0.8",
          "[anomaly]") {
    for (uint64_t seed : {1, 2, 3}) {
        INFO("seed " << seed);
        const int32_t users = 600;
        dataset d = tastes(users, 1200, seed);
        std::vector<std::pair<int32_t, int32_t>> pairs;
        const std::vector<int32_t> planted = plant_shared(d, 50, seed, 3600, &pairs);
        REQUIRE(planted.size() == 50);
        REQUIRE(pairs.size() == 50);
        // each account holds both users' movies, b's sessions inside a's time span or after it
        std::set<int32_t> used;
        for (size_t j = 0; j < pairs.size(); ++j) {
            const auto [a, b] = pairs[j];
            REQUIRE(a % 6 != b % 6);  // unlike tastes (users of the same taste share a genre)
            REQUIRE(used.insert(a).second);
            REQUIRE(used.insert(b).second);
            std::set<int32_t> want, got;
            int64_t a_first = INT64_MAX, first = INT64_MAX;
            for (int64_t p = 0; p < d.size(); ++p) {
                const int32_t u = d.user[(size_t) p];
                if (u == a || u == b) want.insert(d.item[(size_t) p]);
                if (u == a) a_first = std::min(a_first, d.time[(size_t) p]);
                if (u != planted[j]) continue;
                REQUIRE(got.insert(d.item[(size_t) p]).second);
                first = std::min(first, d.time[(size_t) p]);
            }
            REQUIRE(got == want);
            REQUIRE(first == a_first);
        }
        const std::vector<user_anomaly> a = *anomalies_score(d);
        REQUIRE((int32_t) a.size() == users + 50);
        int tp = 0, fp = 0;
        for (const user_anomaly & x : a) {
            if (x.user >= users) REQUIRE(x.sessions >= 2);
            if (!x.shared) continue;
            (x.user >= users ? tp : fp) += 1;
        }
        const double precision = tp + fp > 0 ? (double) tp / (tp + fp) : 0, recall = tp / 50.0;
        INFO("tp " << tp << " fp " << fp);
        REQUIRE(precision >= 0.8);
        REQUIRE(recall >= 0.8);
        // deterministic
        const std::vector<user_anomaly> again = *anomalies_score(d);
        for (size_t j = 0; j < a.size(); ++j) REQUIRE(again[j].shared_z == a[j].shared_z);
    }
    // without times nothing is scored or planted
    dataset untimed = tastes(100, 300, 4);
    untimed.release_time();
    REQUIRE(plant_shared(untimed, 5, 1).empty());
    const std::vector<user_anomaly> scored = *anomalies_score(untimed);
    for (const user_anomaly & x : scored) REQUIRE(x.sessions == 0);
}
