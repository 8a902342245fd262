// mfrec recommend / similar / explain
#include <cmath>
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "pipeline.h"

namespace mf {

namespace {

struct query_args {
    std::string model_path;
    int32_t user_id = 0;
    bool has_user = false;
    std::string rate;
    std::string not_interested;
    int32_t movie_id = 0;
    int32_t n = 10;
    int32_t min_count = 0;
    std::string genres;
    int16_t year_min = 0, year_max = 0;
    std::string format = "table";
    bool include_seen = false;
};

// The visitor: an existing user's row, or a new one folded in from --rate (pipeline.h).
visitor visitor_make(const model & m, const query_args & a, bool quiet_duplicates = false) {
    if (!a.rate.empty() && a.has_user) throw cli_error("give either --user or --rate, not both");
    const std::vector<int32_t> dismissed = movies_parse(m, a.not_interested, "--not-interested");
    if (a.has_user) {
        result<visitor> v = visitor_known(m, a.user_id);
        if (!v) throw cli_error(v.error());
        v->not_interested = dismissed;  // a known user's row is trained: the movies are only hidden
        return std::move(*v);
    }
    if (a.rate.empty()) throw cli_error("give --user ID or --rate \"MOVIE:R,...\"");
    result<visitor> v = visitor_new(m, rate_parse(m, a.rate), dismissed);
    if (!v) throw cli_error(v.error());
    if (v->duplicates > 0 && !quiet_duplicates)
        std::fprintf(stderr, "mfrec: --rate names %d movie(s) more than once: the last rating of each counts\n",
                     v->duplicates);
    return std::move(*v);
}

void recommend_run(const query_args & a) {
    out_format fmt = out_format_parse(a.format);
    if (a.n < 1 || a.n > recommend_n_max)
        throw cli_error("-n must be within 1.." + std::to_string(recommend_n_max) + " (" + std::to_string(a.n) +
                        " given)");
    model m = model_load_path(a.model_path);
    visitor v = visitor_make(m, a);
    recommend_options o;
    o.n = a.n;
    o.include_seen = a.include_seen;
    o.filter.min_count = a.min_count;
    o.filter.genre_mask = a.genres.empty() ? 0 : genres_parse(m.items_info, a.genres);
    o.filter.year_min = a.year_min;
    o.filter.year_max = a.year_max;
    result<std::vector<recommendation>> top = recommend(m, v, o);
    if (!top) throw cli_error(top.error());
    const bool rates = !top->empty() && std::isfinite((*top)[0].rating);
    // a kind with a predictive sd: "4.2 ± 0.6" in the table, an "sd" column in json and csv
    const bool has_sd = !top->empty() && std::isfinite((*top)[0].sd);
    const bool sd_column = has_sd && fmt != out_format::table;
    out_table t;
    t.col("rank", true);
    t.col("movieId", true);
    // score: what orders the list (unclamped, so neighbours differ); predicted: the rating, on
    // the model's scale, for a kind that rates; with a predictive sd "4.2 ± 0.6" in the table and
    // an "sd" column in json and csv
    t.col("score", true);
    if (rates) t.col("predicted", !has_sd || sd_column);
    if (sd_column) t.col("sd", true);
    t.col("ratings", true);
    t.col("title", false);
    t.col("genres", false);
    for (size_t k = 0; k < top->size(); ++k) {
        const recommendation & r = (*top)[k];
        const int32_t i = r.item;
        std::vector<std::string> row = {std::to_string(k + 1), std::to_string(m.items_info.movie_id[i]),
                                        fmt_num(r.score, 3)};
        if (rates)
            row.push_back(has_sd && !sd_column ? fmt_num(r.rating, 1) + " \u00b1 " + fmt_num(r.sd, 1)
                                               : fmt_num(r.rating, 2));
        if (sd_column) row.push_back(fmt_num(r.sd, 3));
        row.push_back(std::to_string(m.item_counts[i]));
        row.push_back(m.items_info.title[i]);
        row.push_back(genres_text(m.items_info, m.items_info.genres[i]));
        t.rows.push_back(std::move(row));
    }
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
}

void similar_run(const query_args & a) {
    out_format fmt = out_format_parse(a.format);
    model m = model_load_path(a.model_path);
    int32_t item = item_row_or_throw(m, a.movie_id);
    if (a.n < 1 || a.n > recommend_n_max) throw cli_error("-n must be within 1.." + std::to_string(recommend_n_max));
    result<std::vector<similar_item>> sim = movies_similar(m, item, a.n, a.min_count);
    if (!sim) throw cli_error(sim.error());
    out_table t;
    t.col("rank", true);
    t.col("movieId", true);
    t.col("similarity", true);
    t.col("ratings", true);
    t.col("title", false);
    t.col("genres", false);
    for (size_t k = 0; k < sim->size(); ++k) {
        int32_t i = (*sim)[k].item;
        t.rows.push_back({std::to_string(k + 1), std::to_string(m.items_info.movie_id[i]),
                          fmt_num((*sim)[k].similarity, 3), std::to_string(m.item_counts[i]), m.items_info.title[i],
                          genres_text(m.items_info, m.items_info.genres[i])});
    }
    if (fmt == out_format::table)
        std::printf("movies like %s (%d):\n", m.items_info.title[item].c_str(), m.items_info.movie_id[item]);
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
}

void explain_run(const query_args & a) {
    out_format fmt = out_format_parse(a.format);
    model m = model_load_path(a.model_path);
    visitor v = visitor_make(m, a);
    int32_t item = item_row_or_throw(m, a.movie_id);
    // an existing user is explained through a fold-in of their training ratings
    if (v.user_row >= 0 && v.rated.empty())
        throw cli_error("user " + std::to_string(a.user_id) + " has no training ratings in this model");
    result<explanation> e = visitor_explain(m, v, item);
    if (!e) throw cli_error(e.error());
    out_table t;
    t.col("part", false);
    t.col("movieId", true);
    t.col("value", true);
    t.col("detail", false);
    t.rows.push_back({"global mean", "", fmt_num(e->mu, 4), ""});
    t.rows.push_back({"movie bias", "", fmt_num(e->item_bias, 4), "b_i of " + m.items_info.title[item]});
    for (const explanation::term & term : e->by_rated) {
        float r = 0;
        for (const rated_item & ri : v.rated)
            if (ri.item == term.item) r = ri.rating;
        t.rows.push_back({"rated", std::to_string(m.items_info.movie_id[term.item]), fmt_num(term.value, 4),
                          "you rated " + fmt_num(r, 1) + ": " + m.items_info.title[term.item]});
    }
    out_table g;
    g.col("part", false);
    g.col("value", true);
    g.rows.push_back({"global mean", fmt_num(e->mu, 4)});
    g.rows.push_back({"your bias", fmt_num(e->user_bias, 4)});
    for (const explanation::genre_term & gt : e->by_genre)
        g.rows.push_back({"genre " + m.items_info.genre_names[gt.genre], fmt_num(gt.value, 4)});
    g.rows.push_back({"this movie beyond its genres", fmt_num(e->item_own, 4)});
    // a kind whose list is ordered by another score (hybrid) splits that score too
    out_table l;
    l.col("part", false);
    l.col("movieId", true);
    l.col("value", true);
    l.col("detail", false);
    if (e->has_rank) {
        l.rows.push_back({"movie appeal", "", fmt_num(e->rank_item, 4),
                          "how well " + m.items_info.title[item] + " is rated by everyone"});
        for (const explanation::term & term : e->rank_by_rated) {
            float r = 0;
            for (const rated_item & ri : v.rated)
                if (ri.item == term.item) r = ri.rating;
            l.rows.push_back({"rated", std::to_string(m.items_info.movie_id[term.item]), fmt_num(term.value, 4),
                              "you rated " + fmt_num(r, 1) + ": " + m.items_info.title[term.item]});
        }
    }
    if (fmt == out_format::json) {
        json_object j;
        j.integer("movieId", a.movie_id);
        j.str("title", m.items_info.title[item]);
        j.num("score", e->score);
        j.num("score_raw", e->score_raw);
        j.raw("by_rated", out_table_render(t, fmt));
        j.raw("by_genre", out_table_render(g, fmt));
        if (e->has_rank) {
            j.num("list_score", e->rank_score);
            j.raw("list_by_rated", out_table_render(l, fmt));
        }
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    if (fmt == out_format::table)
        std::printf("%s (%d): predicted %.3f (raw score %.4f)\n\nby rated movie (sum = raw score):\n",
                    m.items_info.title[item].c_str(), a.movie_id, e->score, e->score_raw);
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) std::printf("\nby genre (sum = raw score):\n");
    std::fputs(out_table_render(g, fmt).c_str(), stdout);
    if (!e->has_rank) return;
    if (fmt == out_format::table)
        std::printf("\nits place in your list: score %.4f (sum of the parts below)\n", e->rank_score);
    std::fputs(out_table_render(l, fmt).c_str(), stdout);
}

void add_common(CLI::App * c, std::shared_ptr<query_args> a) {
    c->add_option("--model", a->model_path, "model file")->required();
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
}

void add_visitor(CLI::App * c, std::shared_ptr<query_args> a) {
    c->add_option("--user", a->user_id, "an existing user (MovieLens id)")->each([a](const std::string &) {
        a->has_user = true;
    });
    c->add_option("--rate", a->rate,
                  "a new visitor's ratings: \"MOVIE:R,MOVIE:R,...\" (MovieLens ids, 0.5-5), oldest first: the list "
                  "recommender weighs the recent ones more");
    c->add_option("--not-interested", a->not_interested,
                  "movies the visitor dismissed: \"MOVIE,MOVIE,...\" (MovieLens ids): never recommended; the list "
                  "recommender (hybrid, ials) also turns away from them and movies like them");
}

}  // namespace

void cli_add_recommend(CLI::App & app) {
    auto a = std::make_shared<query_args>();
    CLI::App * c =
        app.add_subcommand("recommend", "top-N movies for a user or a new visitor (folded in, no retraining)");
    add_common(c, a);
    add_visitor(c, a);
    c->add_option("-n", a->n, "how many")->capture_default_str();
    c->add_option("--min-ratings", a->min_count, "only movies with at least this many training ratings");
    c->add_option("--genres", a->genres, "only movies of these genres: \"Comedy|Drama\"");
    c->add_option("--year-min", a->year_min, "only movies from this year on");
    c->add_option("--year-max", a->year_max, "only movies up to this year");
    c->add_flag("--include-seen", a->include_seen, "do not exclude movies already rated");
    c->callback([a] { recommend_run(*a); });

    auto b = std::make_shared<query_args>();
    CLI::App * s = app.add_subcommand("similar", "movies closest to a movie in the latent space (cosine)");
    add_common(s, b);
    s->add_option("--movie", b->movie_id, "MovieLens id")->required();
    s->add_option("-n", b->n, "how many")->capture_default_str();
    s->add_option("--min-ratings", b->min_count, "only movies with at least this many training ratings");
    s->callback([b] { similar_run(*b); });

    auto e = std::make_shared<query_args>();
    CLI::App * x = app.add_subcommand("explain", "the exact decomposition of a predicted score");
    add_common(x, e);
    add_visitor(x, e);
    x->add_option("--movie", e->movie_id, "MovieLens id")->required();
    x->callback([e] { explain_run(*e); });
}

}  // namespace mf
