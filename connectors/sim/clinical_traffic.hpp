#pragma once
// ClinicalTraffic: the simulated practice's stream of events, deterministic from a seed.
//
// Time is counted in ticks, one event per tick (the server ticks at --rate). After the first ten
// ticks, a tick may give one of the rarer record changes (sharing.changed, patient.flags: see
// record_changes.hpp). Otherwise a tick gives either a follow-up that has fallen due (a review, amendment or entered-in-error of an earlier
// third-party write, scheduled a random number of ticks ahead) or a new write. The content
// depends only on the seed, the rate, the review delay and the wall time passed in (used for
// timestamps inside resources), so the same seed gives the same events.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "clinical_catalogue.hpp"
#include "london_time.hpp"
#include "record_changes.hpp"
#include "sim_random.hpp"

namespace gpwatch::sim {

struct TrafficSettings {
    std::string practice = "C84001";
    double rate = 2;             // events per second: converts delays in seconds into ticks
    double review_min = 5;       // seconds
    double review_max = 40;      // seconds
    std::uint64_t seed = 0;
};

class ClinicalTraffic {
public:
    explicit ClinicalTraffic(TrafficSettings settings);

    // The body of the next event: "event" and its entry / item / by members (or those of
    // sharing.changed / patient.flags). The publisher adds
    // type, seq, time and practice.
    boost::json::object next(SysSeconds now);

    std::uint64_t ticks() const { return tick_; }

private:
    enum class FollowUpKind { filed, rejected, amended, entered_in_error };
    struct FollowUp {
        FollowUpKind kind;
        boost::json::object entry;  // the entry as first written
    };

    boost::json::object new_write(SysSeconds now, std::size_t writer_index);
    boost::json::object follow_up(FollowUp f, SysSeconds now);
    void schedule(const boost::json::object& entry);
    std::uint64_t ticks_after_delay(double min_seconds, double max_seconds);
    std::string new_entry_id();

    TrafficSettings settings_;
    SimRandom rng_;
    std::vector<Writer> writers_;
    std::vector<double> writer_weights_;
    std::vector<std::vector<std::string>> writer_user_ids_;
    std::vector<std::string> patients_;
    std::unordered_set<std::string> entry_ids_;
    // (due tick, order of scheduling) → follow-up; the order keeps equal due ticks deterministic.
    std::map<std::pair<std::uint64_t, std::uint64_t>, FollowUp> pending_;
    std::uint64_t scheduled_ = 0;
    std::uint64_t tick_ = 0;
    // Within the first ten events, these writers are forced at these ticks unless already seen.
    std::vector<std::pair<std::uint64_t, std::size_t>> forced_;
    bool never_review_next_ = false;  // the next scheduled write gets no review (see new_write())
    std::vector<bool> seen_;
    std::optional<RecordChanges> changes_;  // made once the patients are drawn
};

}  // namespace gpwatch::sim
