// record_tests.cpp: linked into every emulated test program. When LF_SIMT_COVERAGE_DIR is set (ctest
// sets it), appends the name of each test that ran to DIR/tests-<pid>.txt, next to the kernel names
// the SIMT runtime records there. tools/check_kernel_coverage.py uses it to tell a full run of the
// emulated tests (coverage is judged) from a partial one such as `ctest -R Gemm` (it is not).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

class RecordTests : public ::testing::EmptyTestEventListener {
    void OnTestEnd(const ::testing::TestInfo& info) override {
        const char* dir = std::getenv("LF_SIMT_COVERAGE_DIR");
        if (!dir || !*dir) return;
        std::ofstream out(std::string(dir) + "/tests-" + std::to_string(::getpid()) + ".txt", std::ios::app);
        out << info.test_suite_name() << '.' << info.name() << '\n';
    }
};

const bool registered = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new RecordTests);
    return true;
}();

}  // namespace
