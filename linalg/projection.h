// projection.h: the coordinates of samples in a set of components, as GANSpace feeds its
// least-squares map back to z: A [N, k] with A[i, c] = ((x_i - mean) . comp_c) / stdev_c (stdev_c <= 0
// leaves the coordinate unscaled).
//   CPU:  float64: each row batch centred, then one cblas_dgemm with the components.
//   CUDA: X_b C^T per row batch with cublasSgemm on the current device (device-resident rows are read
//         in place, so the sample matrix never goes back to the host); the mean term and the scaling
//         in float64 on the host. Only A [N, k] comes down.
#pragma once

#include <vector>

#include "kernels/core/device.h"
#include "linalg/row_source.h"

namespace lf {

// comps [k, d] row-major, mean [d], stdev [k]; returns A [N, k] row-major.
std::vector<double> project_rows(const RowSource& x, const std::vector<double>& comps,
                                 const std::vector<double>& mean, const std::vector<double>& stdev, int k,
                                 std::int64_t batch_rows, Device device);

namespace cuda {
// The CUDA route of project_rows (CUDA builds only).
std::vector<double> project_rows(const RowSource& x, const std::vector<double>& comps,
                                 const std::vector<double>& mean, const std::vector<double>& stdev, int k,
                                 std::int64_t batch_rows, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
