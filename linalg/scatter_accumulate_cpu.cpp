// scatter_accumulate_cpu.cpp: the CPU twins of scatter_accumulate.cu (plain loops, same order of
// summation: per column, rows in increasing order, in float64).
#include "kernels/core/error.h"
#include "linalg/scatter_accumulate.h"

namespace lf {

void check_scatter_shift_params(const ScatterShiftParams& p) {
    LF_CHECK(p.rows >= 0 && p.cols >= 0, "scatter_shift: negative size ", p.rows, "x", p.cols);
    LF_CHECK(p.ldx >= p.cols && p.ldo >= p.cols, "scatter_shift: row strides ldx = ", p.ldx,
             ", ldo = ", p.ldo, " are smaller than cols = ", p.cols);
    LF_CHECK(p.rows == 0 || p.cols == 0 || (p.x && p.shift && p.out && p.colsum),
             "scatter_shift: null pointer");
}

void check_accumulate_f64_params(const AccumulateF64Params& p) {
    LF_CHECK(p.n >= 0, "accumulate_f64: negative length ", p.n);
    LF_CHECK(p.n == 0 || (p.src && p.dst), "accumulate_f64: null pointer");
}

namespace cpu {

void scatter_shift(const ScatterShiftParams& p) {
    check_scatter_shift_params(p);
    for (std::int64_t j = 0; j < p.cols; ++j) {
        double s = 0.0;
        for (std::int64_t i = 0; i < p.rows; ++i) {
            const double v = static_cast<double>(p.x[i * p.ldx + j]) - p.shift[j];
            p.out[i * p.ldo + j] = static_cast<float>(v);
            s += v;
        }
        p.colsum[j] += s;
    }
}

void accumulate_f64(const AccumulateF64Params& p) {
    check_accumulate_f64_params(p);
    for (std::int64_t i = 0; i < p.n; ++i) p.dst[i] += static_cast<double>(p.src[i]);
}

}  // namespace cpu
}  // namespace lf
