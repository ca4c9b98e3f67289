// column_moments_cpu.cpp: the CPU twin of column_moments.cu (plain loops, same order of summation:
// per column, rows in increasing order, in float64).
#include "kernels/core/error.h"
#include "linalg/column_moments.h"

namespace lf {

void check_column_moments_params(const ColumnMomentsParams& p) {
    LF_CHECK(p.rows >= 0 && p.cols >= 0, "column_moments: negative size ", p.rows, "x", p.cols);
    LF_CHECK(p.ldx >= p.cols, "column_moments: row stride ldx = ", p.ldx, " is smaller than cols = ", p.cols);
    LF_CHECK(p.rows == 0 || p.cols == 0 || (p.x && p.shift && p.colsum && p.colsumsq),
             "column_moments: null pointer");
}

namespace cpu {

void column_moments(const ColumnMomentsParams& p) {
    check_column_moments_params(p);
    for (std::int64_t j = 0; j < p.cols; ++j) {
        double s = 0.0, sq = 0.0;
        for (std::int64_t i = 0; i < p.rows; ++i) {
            const double v = static_cast<double>(p.x[i * p.ldx + j]) - p.shift[j];
            s += v;
            sq += v * v;
        }
        p.colsum[j] += s;
        p.colsumsq[j] += sq;
    }
}

}  // namespace cpu
}  // namespace lf
