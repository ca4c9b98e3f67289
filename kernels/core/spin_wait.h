// spin_wait.h: waiting between pool threads that hand work to each other at a fine grain
// (microseconds apart) in the few CPU algorithms that need it: spin with the CPU's pause hint for
// a short while (a condition variable's wake-up would cost more than the wait), then sleep on the
// value (C++20 atomic wait, a futex). Sleeping matters: when the scheduler puts two of our threads
// on one core, a thread that only spins or yields keeps the other at half speed until the load
// balancer separates them (seen for tens of ms on 2-core VMs); a sleeping thread frees the core,
// and its wake-up is placed on an idle core. Writers publish with store + notify_all (cheap when
// nobody sleeps).
#pragma once

#include <atomic>

namespace lf {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Stores v and wakes the threads sleeping in spin_until_at_least on `value`.
inline void publish(std::atomic<int>& value, int v) {
    value.store(v, std::memory_order_release);
    value.notify_all();
}

// Waits until value >= target (acquire): spins first, then sleeps until a publish.
inline void spin_until_at_least(const std::atomic<int>& value, int target) {
    constexpr int kSpins = 2048;
    for (int spins = 0; spins < kSpins; ++spins) {
        if (value.load(std::memory_order_acquire) >= target) return;
        cpu_relax();
    }
    for (int v = value.load(std::memory_order_acquire); v < target; v = value.load(std::memory_order_acquire))
        value.wait(v, std::memory_order_acquire);
}

// A reusable barrier for a fixed number of threads that all run concurrently.
class SpinBarrier {
public:
    explicit SpinBarrier(int threads) : threads_(threads) {}
    void arrive_and_wait() {
        const int generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_ - 1) {
            arrived_.store(0, std::memory_order_relaxed);
            publish(generation_, generation + 1);
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
