// error.h: the project's error type and the check macros for user-facing and internal failures.
// User-facing problems (bad files, bad flags, wrong shapes) throw lf::Error with one readable
// line; lfgen prints it as "lfgen: error: <message>" and exits non-zero. Internal invariants
// (LF_ASSERT) add file:line because they indicate a bug, not bad input.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace lf {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Concatenates its arguments with operator<< (the project's tiny std::format stand-in; g++ 12
// ships no <format>).
template <typename... Args>
std::string str_cat(Args&&... args) {
    std::ostringstream out;
    (out << ... << std::forward<Args>(args));
    return out.str();
}

template <typename... Args>
[[noreturn]] void fail(Args&&... args) {
    throw Error(str_cat(std::forward<Args>(args)...));
}

namespace detail {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const std::string& msg);
}  // namespace detail

}  // namespace lf

// LF_CHECK(cond, parts...): user-facing precondition; throws lf::Error(parts...) when cond is false.
#define LF_CHECK(cond, ...)                 \
    do {                                    \
        if (!(cond)) ::lf::fail(__VA_ARGS__); \
    } while (0)

// LF_ASSERT(cond, parts...): internal invariant; the message carries the expression and file:line.
#define LF_ASSERT(cond, ...)                                                                    \
    do {                                                                                        \
        if (!(cond))                                                                            \
            ::lf::detail::assert_failed(#cond, __FILE__, __LINE__, ::lf::str_cat("" __VA_OPT__(, ) __VA_ARGS__)); \
    } while (0)
