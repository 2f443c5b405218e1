#pragma once
// RecordChanges: the clinical system's rarer events besides writes and reviews (docs/protocols.md section 2):
//   sharing.changed  about 1 in 150 events. Mostly the system supplier switching 'update-record'
//                    off and, some events later, on again: the processor not honouring the
//                    controller's settings. Sometimes a practice user setting 'share-in' for an
//                    organisation, or an 'agreement' active/inactive.
//   patient.flags    about 1 in 60 events, for a patient of the simulated practice: flag codes
//                    added or removed, online access ({"system":"urn:gpwatch:flag","code":"online-access"})
//                    most often.
// It draws from its own random stream (seeded from the traffic's seed), so adding these events
// does not change the content of the writes and reviews a seed gives, only the ticks they fall on.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

class RecordChanges {
public:
    // share_in_ods: organisations a practice user may change 'share-in' for; patients: the
    // practice's patients (NHS numbers) the flags are about.
    RecordChanges(std::uint64_t seed, std::vector<std::string> share_in_ods, std::vector<std::string> patients);

    // The body ("event" and its members) of a sharing.changed or patient.flags for this tick, or
    // nullopt when the tick is an ordinary write or review. One draw per call, so the result
    // depends only on the seed and the number of calls.
    std::optional<boost::json::object> next();

private:
    boost::json::object sharing_changed();
    boost::json::object patient_flags();
    boost::json::object practice_user_changed_by();

    SimRandom rng_;
    std::vector<std::string> share_in_ods_;
    std::vector<std::string> patients_;
    std::uint64_t calls_ = 0;
    // While the supplier has update-record off: the call at which it comes back on.
    std::optional<std::uint64_t> update_record_back_at_;
    // Flag codes each patient currently has, so "removed" only removes what was added.
    std::map<std::string, std::set<std::string>> flags_;
};

}  // namespace gpwatch::sim
