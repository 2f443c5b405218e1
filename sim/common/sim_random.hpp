#pragma once
// SimRandom: the simulators' one source of randomness. Built on mt19937_64 (whose output the C++
// standard fixes) with our own range helpers, because std::uniform_*_distribution may differ
// between standard libraries and a seed must give the same traffic everywhere.

#include <cstdint>
#include <random>
#include <vector>

namespace gpwatch::sim {

class SimRandom {
public:
    explicit SimRandom(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t next_u64() { return engine_(); }

    // Uniform in [0, n); n > 0. The modulo bias is below 2^-50 for the small n used here.
    std::uint64_t below(std::uint64_t n) { return engine_() % n; }

    // Uniform in [lo, hi] (inclusive).
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
    }

    // Uniform in [0, 1).
    double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

    double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }

    bool chance(double p) { return unit() < p; }

    // Index chosen with probability proportional to weights[i].
    std::size_t weighted(const std::vector<double>& weights) {
        double total = 0;
        for (double w : weights) total += w;
        double x = unit() * total;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            if (x < weights[i]) return i;
            x -= weights[i];
        }
        return weights.size() - 1;
    }

private:
    std::mt19937_64 engine_;
};

}  // namespace gpwatch::sim
