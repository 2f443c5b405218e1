#include "sim/clinical/record_changes.hpp"

#include <utility>

#include <boost/json/array.hpp>

#include "sim/clinical/clinical_catalogue.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

namespace {

// Each switch-off brings its switch-back later (0.6 of draws), so drawing 1 in 240 gives about
// 1 sharing.changed in 150 events.
constexpr double kSharingShare = 1.0 / 240;
constexpr double kFlagsShare = 1.0 / 60;
// Of the sharing changes that are not a pending switch-back: update-record off, share-in, agreement.
constexpr double kUpdateRecordOffShare = 0.6;
constexpr double kShareInShare = 0.25;
// The supplier's switch stays off this many events before it is switched on again.
constexpr std::int64_t kOffForMin = 20;
constexpr std::int64_t kOffForMax = 150;
// Mixes the traffic's seed into a different stream (the ASCII of "RECCHNGS").
constexpr std::uint64_t kStreamSalt = 0x52454343484e4753ULL;

constexpr const char* kFlagSystem = "urn:gpwatch:flag";

struct FlagCode {
    const char* system;
    const char* code;
    double weight;
};

// The codes the feed carries in patient.flags (see config/codesets/): online access on, online
// access declined, enhanced review indicated / not indicated, type 1 opt-out.
const std::vector<FlagCode>& flag_codes() {
    static const std::vector<FlagCode> codes = {
        {kFlagSystem, "online-access", 0.5},
        {kSnomed, "1290331000000103", 0.1},
        {kSnomed, "1364731000000104", 0.15},
        {kSnomed, "1364751000000106", 0.1},
        {kSnomed, "827241000000103", 0.15},
    };
    return codes;
}

const std::vector<std::string>& agreements() {
    static const std::vector<std::string> names = {
        "Leicester, Leicestershire and Rutland shared care record",
        "Community services data sharing agreement",
        "Out of hours and NHS 111 record sharing",
    };
    return names;
}

json::object supplier() { return {{"kind", "supplier"}, {"name", "system supplier"}}; }

json::object coding(const FlagCode& c) { return {{"system", c.system}, {"code", c.code}}; }

}  // namespace

RecordChanges::RecordChanges(std::uint64_t seed, std::vector<std::string> share_in_ods,
                             std::vector<std::string> patients)
    : rng_(seed ^ kStreamSalt), share_in_ods_(std::move(share_in_ods)), patients_(std::move(patients)) {}

std::optional<json::object> RecordChanges::next() {
    const std::uint64_t call = calls_++;
    const double draw = rng_.unit();
    if (update_record_back_at_ && call >= *update_record_back_at_) {
        update_record_back_at_.reset();
        // Back on: mostly the supplier again; sometimes a practice user who noticed and asked.
        json::object by = rng_.chance(0.7) ? supplier() : practice_user_changed_by();
        return json::object{{"event", "sharing.changed"}, {"setting", "update-record"}, {"value", "on"},
                            {"changed_by", std::move(by)}};
    }
    if (draw < kSharingShare) return sharing_changed();
    if (draw < kSharingShare + kFlagsShare && !patients_.empty()) return patient_flags();
    return std::nullopt;
}

json::object RecordChanges::practice_user_changed_by() {
    const PracticeUser& u = practice_users()[rng_.below(practice_users().size())];
    return {{"kind", "practice-user"}, {"user_id", u.user_id}, {"name", u.name}};
}

json::object RecordChanges::sharing_changed() {
    const double which = rng_.unit();
    if ((which < kUpdateRecordOffShare || share_in_ods_.empty()) && !update_record_back_at_) {
        update_record_back_at_ = calls_ + static_cast<std::uint64_t>(rng_.between(kOffForMin, kOffForMax));
        return {{"event", "sharing.changed"}, {"setting", "update-record"}, {"value", "off"},
                {"changed_by", supplier()}};
    }
    if (which < kUpdateRecordOffShare + kShareInShare && !share_in_ods_.empty()) {
        static const char* const kValues[] = {"allowed", "prohibited", "removed"};
        const std::string& ods = share_in_ods_[rng_.below(share_in_ods_.size())];
        return {{"event", "sharing.changed"}, {"setting", "share-in"}, {"ods", ods},
                {"value", kValues[rng_.below(3)]}, {"changed_by", practice_user_changed_by()}};
    }
    const std::string& name = agreements()[rng_.below(agreements().size())];
    return {{"event", "sharing.changed"}, {"setting", "agreement"}, {"agreement", name},
            {"value", rng_.chance(0.5) ? "active" : "inactive"}, {"changed_by", practice_user_changed_by()}};
}

json::object RecordChanges::patient_flags() {
    const std::string& patient = patients_[rng_.below(patients_.size())];
    std::vector<double> weights;
    for (const auto& c : flag_codes()) weights.push_back(c.weight);
    const FlagCode& c = flag_codes()[rng_.weighted(weights)];

    // A code the patient has is removed; one they lack is added. Online access on often comes
    // with enhanced review not indicated (the practice has checked the record), as one event.
    auto& has = flags_[patient];
    json::array added, removed;
    if (has.erase(c.code)) {
        removed.push_back(coding(c));
    } else {
        has.insert(c.code);
        added.push_back(coding(c));
        if (std::string(c.code) == "online-access" && rng_.chance(0.3)) {
            const FlagCode& not_indicated = flag_codes()[3];
            if (has.insert(not_indicated.code).second) added.push_back(coding(not_indicated));
            const FlagCode& indicated = flag_codes()[2];
            if (has.erase(indicated.code)) removed.push_back(coding(indicated));
        }
    }
    return {{"event", "patient.flags"}, {"patient", json::object{{"nhs_number", patient}}},
            {"added", std::move(added)}, {"removed", std::move(removed)}};
}

}  // namespace gpwatch::sim
