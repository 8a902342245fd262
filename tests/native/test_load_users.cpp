// Users files (u.user, users.dat): one-hot demographics by dense user row, users without ratings
// ignored, users missing from the file without features, bad lines named by file, line and field.
#include <catch2/catch.hpp>
#include <string>

#include "movielens.h"
#include "movielens_users.h"
#include "native/temp_dir.h"

namespace {

mf::load_options no_cache() {
    mf::load_options o;
    o.use_cache = false;
    o.threads = 1;
    return o;
}

std::string load_error_of(const std::string & dir, mf::load_options opt = no_cache()) {
    try {
        mf::movielens_load(dir, opt);
    } catch (const mf::load_error & e) {
        return e.what();
    }
    return "(no error)";
}

// the feature names of a user row
std::vector<std::string> names_of(const mf::dataset & d, int32_t row) {
    std::vector<std::string> out;
    for (int32_t c : d.demographics.cols[(size_t) row]) out.push_back(d.demographics.names[(size_t) c]);
    return out;
}

void write_dat(const temp_dir & t) {
    t.file("movies.dat", "1::A (1995)::Comedy\n2::B (1996)::Drama\n");
    // users 6, 2, 9 rate, in that order of first appearance
    t.file("ratings.dat", "6::1::5::1\n2::1::3::2\n9::2::4::3\n6::2::1::4\n");
}

void write_100k(const temp_dir & t) {
    const std::string flags = "0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0";
    t.file("u.item",
           "1|A (1995)|01-Jan-1995||http://x|" + flags + "\n2|B (1996)|01-Jan-1996||http://x|" + flags + "\n");
    t.file("u.data", "3\t1\t4\t1\n1\t2\t5\t2\n3\t2\t2\t3\n");
}

}  // namespace

TEST_CASE("users.dat: gender, age group, occupation code by dense user row", "[load][users]") {
    temp_dir t;
    write_dat(t);
    // user 4 rated nothing (ignored); user 9 is missing (no features)
    t.file("users.dat", "2::F::1::10::48067\n4::M::56::16::70072\n6::M::25::20::55117\r\n\n");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.users_path == t.str() + "/users.dat");
    CHECK(rep.users_without_features == 1);
    REQUIRE(d.users.ids == std::vector<int32_t>{6, 2, 9});
    REQUIRE(d.demographics.size() == 2 + 7 + 21);
    REQUIRE(d.demographics.cols.size() == 3);
    CHECK(names_of(d, 0) == std::vector<std::string>{"gender=M", "age=25-34", "occupation=20"});
    CHECK(names_of(d, 1) == std::vector<std::string>{"gender=F", "age=under 18", "occupation=10"});
    CHECK(d.demographics.cols[2].empty());
    CHECK(d.demographics.cols[0] == std::vector<int32_t>{1, 4, 9 + 20});
}

TEST_CASE("u.user: ages in years grouped as ML-1M's, occupations by name", "[load][users]") {
    temp_dir t;
    write_100k(t);
    t.file("u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n3|17|F|technician|T8H1N\n");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.users_path == t.str() + "/u.user");
    CHECK(rep.users_without_features == 0);
    REQUIRE(d.users.ids == std::vector<int32_t>{3, 1});
    // occupations in order of first appearance in the file; user 2 (no ratings) still names one
    REQUIRE(d.demographics.size() == 2 + 7 + 2);
    CHECK(d.demographics.names[9] == "occupation=technician");
    CHECK(d.demographics.names[10] == "occupation=other");
    CHECK(names_of(d, 0) == std::vector<std::string>{"gender=F", "age=under 18", "occupation=technician"});
    CHECK(names_of(d, 1) == std::vector<std::string>{"gender=M", "age=18-24", "occupation=technician"});
}

TEST_CASE("no users file, or one matching no rated user: no demographics", "[load][users]") {
    temp_dir t;
    write_dat(t);
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.users_path.empty());
    CHECK(d.demographics.empty());
    t.file("users.dat", "100::F::18::1::1\n");
    d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.users_without_features == 3);
    CHECK(d.demographics.empty());
    CHECK(d.demographics.cols.empty());
}

TEST_CASE("the users file is read beside a cached load too", "[load][users]") {
    temp_dir t;
    write_dat(t);
    t.file("users.dat", "9::F::45::3::1\n");
    mf::load_options o = no_cache();
    o.use_cache = true;
    mf::dataset first = mf::movielens_load(t.str(), o);
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), o, &rep);
    CHECK(rep.from_cache);
    REQUIRE(d.demographics.cols.size() == 3);
    CHECK(names_of(d, 2) == std::vector<std::string>{"gender=F", "age=45-49", "occupation=3"});
    CHECK(d.demographics.cols == first.demographics.cols);
}

TEST_CASE("bad users lines are refused naming file, line and field", "[load][users][errors]") {
    temp_dir t;
    write_dat(t);
    const std::string f = t.str() + "/users.dat";
    t.file("users.dat", "2::F::1::10::1\n6::X::25::1::1\n");
    CHECK(load_error_of(t.str()) == f + ":2: field 'gender': \"X\" is not M or F");
    t.file("users.dat", "2::F::30::10::1\n");
    CHECK(load_error_of(t.str()) ==
          f + ":1: field 'age': \"30\" is not an ML-1M age group (1, 18, 25, 35, 45, 50 or 56)");
    t.file("users.dat", "2::F::18::21::1\n");
    CHECK(load_error_of(t.str()) == f + ":1: field 'occupation': \"21\" is not an ML-1M occupation code (0-20)");
    t.file("users.dat", "2::F::18::1\n");
    CHECK(load_error_of(t.str()) == f + ":1: expected 5 fields, found 4");
    t.file("users.dat", "x::F::18::1::1\n");
    CHECK(load_error_of(t.str()) == f + ":1: field 'user id': \"x\" is not a positive integer");
    t.file("users.dat", "2::F::18::1::1\n\n2::M::18::1::1\n");
    CHECK(load_error_of(t.str()) == f + ":3: field 'user id': user 2 is already on line 1");

    SECTION("skipped and counted with skip_bad_lines") {
        t.file("users.dat", "2::F::18::1::1\n6::F::99::1::1\n");
        mf::load_options o = no_cache();
        o.skip_bad_lines = true;
        mf::load_report rep;
        mf::dataset d = mf::movielens_load(t.str(), o, &rep);
        CHECK(rep.skipped == 1);
        CHECK(rep.users_without_features == 2);
        CHECK(names_of(d, 1) == std::vector<std::string>{"gender=F", "age=18-24", "occupation=1"});
    }

    temp_dir h;
    write_100k(h);
    const std::string u = h.str() + "/u.user";
    h.file("u.user", "1|0|M|writer|1\n");
    CHECK(load_error_of(h.str()) == u + ":1: field 'age': \"0\" is not an age in years (1-120)");
    h.file("u.user", "1|30|M||1\n");
    CHECK(load_error_of(h.str()) == u + ":1: field 'occupation': empty");
    h.file("u.user", "1|30|m|writer|1\n");
    CHECK(load_error_of(h.str()) == u + ":1: field 'gender': \"m\" is not M or F");
    h.file("u.user", "1|30|M|writer\n");
    CHECK(load_error_of(h.str()) == u + ":1: expected 5 fields, found 4");
}
