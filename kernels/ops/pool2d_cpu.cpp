// pool2d_cpu.cpp: the parameter check shared by avg_pool2d and max_pool2d.
#include "kernels/core/error.h"
#include "kernels/ops/pool2d.h"

namespace lf {

void pool2d_check(const Pool2dParams& p, const char* op) {
    LF_CHECK(p.batch >= 0 && p.channels > 0 && p.height > 0 && p.width > 0, op, ": bad sizes batch=", p.batch,
             " channels=", p.channels, " height=", p.height, " width=", p.width);
    LF_CHECK(p.kernel_h > 0 && p.kernel_w > 0 && p.stride_h > 0 && p.stride_w > 0 && p.pad_h >= 0 &&
                 p.pad_w >= 0 && 2 * p.pad_h <= p.kernel_h && 2 * p.pad_w <= p.kernel_w,
             op, ": bad window ", p.kernel_h, "x", p.kernel_w, " stride ", p.stride_h, "x", p.stride_w, " pad ",
             p.pad_h, "x", p.pad_w, " (pad must be at most half the kernel)");
    LF_CHECK(p.height + 2 * p.pad_h >= p.kernel_h && p.width + 2 * p.pad_w >= p.kernel_w, op, ": a ", p.kernel_h,
             "x", p.kernel_w, " window does not fit a ", p.height, "x", p.width, " input");
    LF_CHECK(p.y_channel_offset >= 0 && p.y_channel_offset + p.channels <= p.y_channels, op, ": output channels [",
             p.y_channel_offset, ", ", p.y_channel_offset + p.channels, ") do not fit y_channels=", p.y_channels);
    if (p.batch > 0) LF_CHECK(p.x && p.y, op, ": null tensor");
}

}  // namespace lf
