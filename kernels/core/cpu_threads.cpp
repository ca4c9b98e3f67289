// cpu_threads.cpp: see cpu_threads.h.
#include "kernels/core/cpu_threads.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace lf {

namespace {

// OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, else the hardware's count (never above it).
int default_threads() {
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (const char* name : {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
        const char* v = std::getenv(name);
        if (v == nullptr || *v == '\0') continue;
        char* end = nullptr;
        const long n = std::strtol(v, &end, 10);
        if (end != v && n >= 1) return static_cast<int>(std::min<long>(n, hw));
    }
    return hw;
}

thread_local bool t_in_region = false;  // nested regions run inline (the pool runs one at a time)

// A persistent pool whose idle workers block on a condition variable (no spinning: on a machine
// shared with OpenBLAS's own threads, or other processes, spinning workers steal the cores).
class ThreadPool {
public:
    static ThreadPool& instance() {
        static ThreadPool pool;
        return pool;
    }
    int size() const { return threads_; }
    void resize(int threads) {
        std::lock_guard<std::mutex> run_lock(run_mutex_);
        stop_workers();
        threads_ = std::max(1, threads);
        start_workers();
    }
    // Runs body(t) for t in [0, count) with count <= size(); t = 0 on the caller.
    void run(int count, const std::function<void(int)>& body) {
        if (count <= 1 || t_in_region) {
            for (int t = 0; t < count; ++t) body(t);
            return;
        }
        std::lock_guard<std::mutex> run_lock(run_mutex_);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            body_ = &body;
            count_ = count;
            pending_ = count - 1;
            ++generation_;
        }
        wake_.notify_all();
        t_in_region = true;
        body(0);
        t_in_region = false;
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return pending_ == 0; });
        body_ = nullptr;
    }
    ~ThreadPool() { stop_workers(); }

private:
    ThreadPool() {
        threads_ = default_threads();
        start_workers();
    }
    void start_workers() {
        stop_ = false;
        // Workers started by a resize must not take the last region's generation for new work.
        const std::uint64_t current = generation_;
        for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i, current] { work(i, current); });
    }
    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : workers_) t.join();
        workers_.clear();
    }
    void work(int index, std::uint64_t seen) {
        while (true) {
            const std::function<void(int)>* body = nullptr;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
                if (stop_) return;
                seen = generation_;
                if (index >= count_) continue;
                body = body_;
            }
            t_in_region = true;
            (*body)(index);
            t_in_region = false;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (--pending_ == 0) done_.notify_one();
            }
        }
    }

    std::mutex run_mutex_;  // one parallel region at a time
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    const std::function<void(int)>* body_ = nullptr;
    int threads_ = 1;
    int count_ = 0;
    int pending_ = 0;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
};

}  // namespace

int cpu_threads() {
    return ThreadPool::instance().size();
}

void set_cpu_threads(int threads) {
    ThreadPool::instance().resize(threads);
}

bool in_parallel_region() {
    return t_in_region;
}

void parallel_run(int count, const std::function<void(int)>& body) {
    ThreadPool::instance().run(std::max(1, std::min(count, cpu_threads())), body);
}

// OpenBLAS exports these (blas_thread_shutdown_ is what its fork handler calls); weak so that a
// link against another BLAS still works.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));
extern "C" int openblas_get_parallel(void) __attribute__((weak));

void park_blas_threads() {
    constexpr int kPthreadsBuild = 1;  // openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP
    if (blas_thread_shutdown_ != nullptr && openblas_get_parallel != nullptr &&
        openblas_get_parallel() == kPthreadsBuild)
        blas_thread_shutdown_();
}

namespace {

// Pins the calling thread to the `slot`-th CPU it may run on, for the scope (the previous mask comes
// back at the end). No-op when there are no more than `slot` CPUs to choose from or the call fails.
class CpuPinScope {
public:
    explicit CpuPinScope(int slot) {
        if (pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) != 0) return;
        int seen = 0;
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (!CPU_ISSET(cpu, &saved_) || seen++ != slot) continue;
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            pinned_ = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
            return;
        }
    }
    ~CpuPinScope() {
        if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
    }
    CpuPinScope(const CpuPinScope&) = delete;
    CpuPinScope& operator=(const CpuPinScope&) = delete;

private:
    cpu_set_t saved_;
    bool pinned_ = false;
};

}  // namespace

int coupled_region_threads(int wanted, int useful) {
    if (in_parallel_region()) return 1;
    return std::max(1, std::min({wanted, cpu_threads(), useful}));
}

void parallel_run_pinned(int count, const std::function<void(int)>& body) {
    // Parked here, after the caller's BlasThreadsScope: openblas_set_num_threads restarts parked
    // workers (OpenBLAS re-initializes its pool lazily there), which would then spin through the
    // region.
    if (count <= 1) {
        parallel_run(count, body);  // a lone body waits on no one: no pin, no parking
        return;
    }
    park_blas_threads();
    parallel_run(count, [&](int t) {
        const CpuPinScope pin(t);
        body(t);
    });
}

BlasThreadsScope::BlasThreadsScope(int threads) : saved_(openblas_get_num_threads()) {
    openblas_set_num_threads(std::max(1, threads));
}

BlasThreadsScope::~BlasThreadsScope() {
    openblas_set_num_threads(saved_);
}

void parallel_for(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& body) {
    if (n <= 0) return;
    const int threads = static_cast<int>(std::min<std::int64_t>(cpu_threads(), n));
    ThreadPool::instance().run(threads, [&](int t) {
        const std::int64_t begin = range_split(n, threads, t), end = range_split(n, threads, t + 1);
        if (begin < end) body(begin, end);
    });
}

}  // namespace lf
