// kind_ease.h - EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): an
// item-item model with a closed form.
//
// On the binarised user x item matrix X of the training part (1 where a user rated a movie, any
// rating), restricted to the movies with at least one training rating,
//     P = (XᵀX + λI)⁻¹,   B = I - P · diag(1 / diag(P)),   so diag(B) = 0,
// and a visitor's scores are x · B for their indicator row x. B is dense (n_r x n_r for n_r rated
// movies): 376 MB in float for ml-latest-small's 9.7k movies, so catalogues with more than
// ease_items_max rated movies are refused (use ials there).
//
// State in mf::model: k = 0, user and item rows of width 1 (zeros), m.seen (the known users'
// rows), and two extra arrays, neither per item (they stay out of the web bundle):
//   "ease_b"      n_r x n_r   B; row = the rated movie, column = the scored movie
//   "ease_items"  n_r x 1     the item row of each column (increasing item rows, as floats)
// Movies without a training rating score the lowest float. A visitor with no rated movie among
// the columns gets the popularity order (training-rating counts) instead of all zeros.
#pragma once

#include <cstdint>
#include <vector>

#include "model.h"
#include "ratings.h"
#include "result.h"

namespace mf {

// The most rated movies EASE accepts (its B takes 4·n² bytes, 1.6 GB here, and twice that while fitting).
constexpr int32_t ease_items_max = 20000;

struct ease_weights {
    matrix_f b;                  // n_r x n_r, diagonal 0
    std::vector<int32_t> items;  // column c <-> item row items[c], increasing
};

// B of the binarised `train` with regularization `lambda` (> 0). The Gram matrix, its Cholesky
// factor and the inverse are computed in float (default) or double (then B is rounded to float).
// Fails when no movie has a rating, when more than ease_items_max do, or when the factorisation
// fails. The result does not depend on the number of threads.
result<ease_weights> ease_compute(const rating_matrix & train, double lambda, int threads = 0,
                                  bool double_precision = false);

}  // namespace mf
