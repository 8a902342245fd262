// pca.h - the 2-D latent map: a PCA of the item vectors q_i, computed once at export.
//
// Items:   xy_i = Aᵀ (q_i − q_mean), A = the top-2 eigenvectors (k×2) of the k×k covariance of
//          the q_i (unweighted, every catalog row counts once). Each axis' sign is fixed so that
//          its largest-|.| component is positive (ties: the lowest index), so the same model
//          always gives the same picture.
// Visitor: xy_u = s · Aᵀ p_u. The user vector lives in the dual space: p_uᵀ q_i is the score, so
//          within the map's plane the score grows along Aᵀ p_u (score = p_uᵀ q_mean + (Aᵀp_u)ᵀ xy
//          for an item lying in the plane). Drawing the visitor at a positive multiple of Aᵀ p_u
//          puts them on the side of the map where their highest-scored movies lie, at a distance
//          that grows with how strongly their taste points that way. The scale s only sets the
//          units: it is chosen at export so that the users' cloud has the same RMS radius as the
//          items' cloud, s = sqrt(mean_i ‖xy_i‖² / mean_u ‖Aᵀ p_u‖²) over the model's users
//          (over the items' own Aᵀ q_i when the model has no users), and stored with the map.
// Cold start: a hypothetical movie with genre set G has q̄ = τ mean_{g∈G} w_g and is placed like
//          an item, Aᵀ (q̄ − q_mean).
// k = 0 gives the origin for everything; k = 1 gives y = 0.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "model.h"

namespace mf {

struct pca_map {
    int32_t k = 0;
    vector_f mean;            // k
    matrix_f axes;            // 2 × k, row a = axis a (unit length, or zero when k < a+1)
    float user_scale = 1.0f;  // s above

    // Aᵀ (q − mean) for a k-vector q
    Eigen::Vector2f project_item(const float * q) const;
    // s Aᵀ p for a k-vector p
    Eigen::Vector2f project_user(const float * p) const;
};

// PCA of the rows of q (n × k, row-major); axes only (user_scale = 1).
pca_map pca_fit(const matrix_f & q);

// All k principal axes: rows of `axes` (k × k, orthonormal) by decreasing variance, each with
// the sign rule above; the first two are pca_fit's. The web bundle stores item vectors in this
// basis (bundle.h).
struct pca_basis {
    vector_f mean;  // k
    matrix_f axes;  // k × k
};
pca_basis pca_fit_basis(const matrix_f & q);

// The map of a model: PCA of the item vectors (columns 1..k of the item rows) and the user
// scale from the model's user rows (see above).
pca_map pca_fit_model(const model & m);

// xy of every item row of m (n × 2, row-major as a flat vector [x0, y0, x1, y1, ...]).
std::vector<float> pca_item_xy(const pca_map & map, const model & m);

// The spread-matching scale: sqrt(mean ‖xy_i‖² / mean ‖Aᵀ p_u‖²) (1 when undefined).
float pca_user_scale(const pca_map & map, const std::vector<float> & item_xy, const matrix_f & user_p);

}  // namespace mf
