// Freeing the ratings during a fit (pipeline_fit_release) and the in-place compaction behind it
// (dataset_keep, dataset_keep_marked): the model and its test error are those of pipeline_fit; only
// memory differs.
#include <catch2/catch.hpp>

#include "pipeline.h"
#include "planted.h"

using namespace mf;

TEST_CASE("dataset_keep keeps the given positions in order, in place, with their timestamps", "[release]") {
    dataset d;
    for (int k = 0; k < 6; ++k) d.push(k, 10 + k, 0.5f + (float) k * 0.5f, 1000 + k);
    dataset_keep(d, {1, 2, 5});
    REQUIRE(d.size() == 3);
    CHECK(d.user == std::vector<int32_t>{1, 2, 5});
    CHECK(d.item == std::vector<int32_t>{11, 12, 15});
    CHECK(d.rating == std::vector<float>{1.0f, 1.5f, 3.0f});
    CHECK(d.time == std::vector<int64_t>{1001, 1002, 1005});

    dataset nt;  // no timestamps (a load that dropped them): they stay absent
    for (int k = 0; k < 4; ++k) nt.push(k, k, 1.0f + (float) k, 0);
    nt.release_time();
    dataset_keep(nt, {0, 3});
    CHECK(nt.user == std::vector<int32_t>{0, 3});
    CHECK(nt.rating == std::vector<float>{1.0f, 4.0f});
    CHECK(nt.time.empty());
}

TEST_CASE("pipeline_fit_release gives pipeline_fit's model and frees the ratings", "[release]") {
    for (model_kind kind : {model_kind::als, model_kind::hybrid, model_kind::ials})
        for (bool shuffled : {false, true}) {
            planted_data p = planted_make(120, 60, 3, 0.5, 0.3f, 5);
            if (shuffled) {  // a file not grouped by user: the ranks and the rows take the other paths
                dataset s = p.d;
                s.user.clear();
                s.item.clear();
                s.rating.clear();
                s.time.clear();
                for (int64_t k = 0; k < p.d.size(); ++k) {
                    const size_t q = (size_t) ((k * 7919) % p.d.size());
                    s.push(p.d.user[q], p.d.item[q], p.d.rating[q], p.d.time[q]);
                }
                p.d = s;
            }
            CAPTURE(kind_get(kind)->name, shuffled);
            fit_options o;
            o.split = "random:0.2";
            o.seed = 9;
            o.params = kind_defaults(kind);
            o.params.factors = 4;
            o.params.iterations = 3;
            o.params.threads = 1;
            o.params.early_stopping = kind == model_kind::ials ? 0 : 2;  // the validation part held out in place
            result<fit_result> kept = pipeline_fit(p.d, o);
            REQUIRE(kept);
            dataset d = p.d;
            const int32_t users = d.users.size(), items = d.items.size();
            result<fit_result> freed = pipeline_fit_release(d, o);
            REQUIRE(freed);
            CHECK(freed->n_train == kept->n_train);
            CHECK(freed->n_test == kept->n_test);
            CHECK(freed->test.rmse == kept->test.rmse);  // bit for bit: same matrix, same order
            REQUIRE(freed->m.users.size() == kept->m.users.size());
            CHECK(freed->m.users == kept->m.users);
            CHECK(freed->m.items == kept->m.items);
            CHECK(freed->m.extra.size() == kept->m.extra.size());
            for (size_t a = 0; a < kept->m.extra.size() && a < freed->m.extra.size(); ++a)
                CHECK(freed->m.extra[a].data == kept->m.extra[a].data);
            CHECK(freed->best_epoch == kept->best_epoch);
            CHECK(freed->validation_rmse == kept->validation_rmse);
            if (kind != model_kind::ials) CHECK(kept->best_epoch > 0);
            // the model's training rows: moved in from the matrix, every training rating once
            CHECK(kept->m.seen.nnz() == kept->n_train);
            CHECK(freed->m.seen.idx == kept->m.seen.idx);
            CHECK(freed->m.seen.val == kept->m.seen.val);
            CHECK(freed->m.seen.recency.empty());
            // the ratings and the split's positions are gone; the catalog and the user ids stay
            CHECK(d.size() == 0);
            CHECK(d.user.capacity() == 0);
            CHECK(d.time.capacity() == 0);
            CHECK(freed->split.train.empty());
            CHECK(d.users.size() == users);
            CHECK(d.items.size() == items);
        }
}
