#pragma once
// ClinicalTraffic: the simulated practice's stream of events, deterministic from a seed.
//
// Time is counted in ticks, one event per tick (the server ticks at --rate). After the first ten
// ticks, a tick may give one of the rarer record changes (sharing.changed, patient.flags: see
// record_changes.hpp). Otherwise a tick gives either a follow-up that has fallen due (a review, amendment or entered-in-error of an earlier
// third-party write, scheduled a random number of ticks ahead) or a new write. The content
// depends only on the seed, the rate, the review delay and the wall time passed in (used for
// timestamps inside resources), so the same seed gives the same events.
//
// Update Records (MESH) reach the practice's workflow queue too: review_update_record() schedules
// their review as a follow-up like an entry's. Each outcome draws from a stream of its own (the
// seed and the message id), so it is the same whenever the Update Record arrives; the reviews take
// ticks, though, so the other events then fall on other ticks. Never called, nothing changes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "sim/clinical/clinical_catalogue.hpp"
#include "sim/common/london_time.hpp"
#include "sim/clinical/record_changes.hpp"
#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

// What the practice does with one Update Record (see ClinicalTraffic::review_update_record): drawn
// as an outside write's review is (same shares, same --review-delay), from a random stream of its
// own seeded by the traffic's seed and the message id, so the same seed gives the same outcome
// for the same Update Record whenever and in whatever order it arrives.
struct UpdateRecordReview {
    bool reviewed = false;      // false: left in the workflow queue for ever
    bool rejected = false;      // when reviewed: rejected rather than filed
    std::uint64_t in_ticks = 1; // when reviewed: published this many ticks after it was seen
    std::size_t reviewer = 0;   // index into practice_users() (one of the first four)
};

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

    // An Update Record (GP Connect, over MESH) has arrived in the practice's workflow queue, named
    // by its message id: schedule its workflow.filed / workflow.rejected (item.kind
    // "update-record") as draw_update_record_review() says, counted in ticks from now. False, and
    // nothing scheduled, when this id was seen before (MESH delivers at least once).
    bool review_update_record(const std::string& message_id);

    UpdateRecordReview draw_update_record_review(std::string_view message_id) const;

private:
    enum class FollowUpKind { filed, rejected, amended, entered_in_error };
    struct FollowUp {
        FollowUpKind kind;
        boost::json::object entry;  // the entry as first written (empty for an Update Record)
        // Set for the review of an Update Record (filed/rejected only): its message id, and the
        // reviewer drawn when it was scheduled.
        std::string update_record_id;
        std::size_t reviewer = 0;
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
    std::unordered_set<std::string> update_records_seen_;
};

}  // namespace gpwatch::sim
