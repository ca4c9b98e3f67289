// spin_wait.h: busy-waiting for the few CPU algorithms whose pool threads hand work to each other
// at a fine grain (microseconds apart), where a condition variable's wake-up would cost more than
// the wait: spin with the CPU's pause hint, then yield (so an oversubscribed pool still progresses).
#pragma once

#include <atomic>
#include <thread>

namespace lf {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Waits until value >= target (acquire).
inline void spin_until_at_least(const std::atomic<int>& value, int target) {
    for (int spins = 0; value.load(std::memory_order_acquire) < target; ++spins) {
        if (spins < 4096) cpu_relax();
        else std::this_thread::yield();
    }
}

// A reusable barrier for a fixed number of threads that all run concurrently.
class SpinBarrier {
public:
    explicit SpinBarrier(int threads) : threads_(threads) {}
    void arrive_and_wait() {
        const int generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_ - 1) {
            arrived_.store(0, std::memory_order_relaxed);
            generation_.store(generation + 1, std::memory_order_release);
            return;
        }
        spin_until_at_least(generation_, generation + 1);
    }

private:
    const int threads_;
    alignas(64) std::atomic<int> arrived_{0};
    alignas(64) std::atomic<int> generation_{0};
};

}  // namespace lf
