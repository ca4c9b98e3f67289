// error.cpp: out-of-line reporter for LF_ASSERT.
#include "kernels/core/error.h"

namespace lf::detail {

void assert_failed(const char* expr, const char* file, int line, const std::string& msg) {
    throw Error(str_cat("internal error: ", expr, " failed at ", file, ":", line,
                        msg.empty() ? "" : ": ", msg));
}

}  // namespace lf::detail
