#include "sim/clinical/clinical_traffic.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/json/array.hpp>

#include "sim/clinical/fhir_resource.hpp"
#include <utility>

#include "sim/common/nhs_number.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

namespace {

constexpr std::size_t kPatients = 300;
constexpr std::uint64_t kGuaranteeWindow = 10;       // the demo's first minute
constexpr double kReviewedShare = 0.80;              // third-party writes that get filed/rejected
constexpr double kRejectedShare = 0.10;              // of the reviewed ones
constexpr double kAmendedShare = 0.05;
constexpr double kEnteredInErrorShare = 0.02;
constexpr double kBaseNopat = 0.04;

// FNV-1a, 64 bits: a hash of the message id that is the same on every platform (std::hash is not).
std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t ticks_for(SimRandom& rng, double rate, double min_seconds, double max_seconds) {
    const double seconds = rng.uniform(min_seconds, max_seconds);
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(seconds * rate)));
}

std::size_t index_of(const std::vector<Writer>& writers, const std::string& ods) {
    for (std::size_t i = 0; i < writers.size(); ++i)
        if (writers[i].ods == ods) return i;
    return 0;
}

}  // namespace

ClinicalTraffic::ClinicalTraffic(TrafficSettings settings)
    : settings_(std::move(settings)), rng_(settings_.seed), writers_(clinical_writers(settings_.practice)) {
    for (const auto& w : writers_) {
        writer_weights_.push_back(w.share);
        std::vector<std::string> users;
        for (int i = 0; i < 6; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "u-%04d", static_cast<int>(rng_.between(1000, 9999)));
            users.emplace_back(id);
        }
        writer_user_ids_.push_back(std::move(users));
    }
    for (std::size_t i = 0; i < kPatients; ++i) patients_.push_back(make_test_nhs_number(rng_));

    // The demo promise: a prohibited writer (RW1) and an unlisted one (NTV21) within ten events.
    const std::uint64_t first = rng_.below(kGuaranteeWindow);
    std::uint64_t second = rng_.below(kGuaranteeWindow - 1);
    if (second >= first) ++second;
    forced_ = {{first, index_of(writers_, "RW1")}, {second, index_of(writers_, "NTV21")}};
    seen_.assign(writers_.size(), false);

    // A practice user may change share-in for any outside writer (the practice itself is first).
    std::vector<std::string> outside;
    for (std::size_t i = 1; i < writers_.size(); ++i) outside.push_back(writers_[i].ods);
    changes_.emplace(settings_.seed, std::move(outside), patients_);
}

std::uint64_t ClinicalTraffic::ticks_after_delay(double min_seconds, double max_seconds) {
    return ticks_for(rng_, settings_.rate, min_seconds, max_seconds);
}

std::string ClinicalTraffic::new_entry_id() {
    for (;;) {
        char id[24];
        std::snprintf(id, sizeof id, "e-%012llx",
                      static_cast<unsigned long long>(rng_.next_u64() & 0xffffffffffffULL));
        if (entry_ids_.insert(id).second) return id;
    }
}

json::object ClinicalTraffic::next(SysSeconds now) {
    const std::uint64_t tick = tick_++;

    for (const auto& [at, writer] : forced_)
        if (tick == at && !seen_[writer]) return new_write(now, writer);

    // Not within the demo's first ten events, whose ticks the forced writes above rely on.
    if (tick >= kGuaranteeWindow)
        if (auto change = changes_->next()) return std::move(*change);

    if (!pending_.empty() && pending_.begin()->first.first <= tick) {
        FollowUp f = std::move(pending_.begin()->second);
        pending_.erase(pending_.begin());
        return follow_up(std::move(f), now);
    }
    return new_write(now, rng_.weighted(writer_weights_));
}

json::object ClinicalTraffic::new_write(SysSeconds now, std::size_t writer_index) {
    // The first RW1 write (within ten events, see above) is never reviewed, so the demo also shows
    // a write sitting past its deadline within its first minute: the prohibited trust nobody noticed.
    if (!seen_[writer_index] && writers_[writer_index].ods == "RW1") never_review_next_ = true;
    seen_[writer_index] = true;
    const Writer& w = writers_[writer_index];

    std::vector<const ResourceTemplate*> fitting;
    for (const auto& t : resource_templates())
        if (std::find(t.org_types.begin(), t.org_types.end(), w.org_type) != t.org_types.end())
            fitting.push_back(&t);
    const ResourceTemplate& t = *fitting[rng_.below(fitting.size())];

    const bool nopat = rng_.chance(std::max(kBaseNopat, t.nopat));
    const SysSeconds effective = now - std::chrono::minutes(rng_.between(2, 180));

    json::object author{{"ods", w.ods}, {"name", w.name}, {"org_type", w.org_type}};
    if (w.org_type == kPracticeOrgType) {
        const PracticeUser& u = practice_users()[rng_.below(practice_users().size())];
        author["user_role"] = u.user_role;
        author["user_id"] = u.user_id;
    } else {
        author["user_role"] = w.user_roles[rng_.below(w.user_roles.size())];
        author["user_id"] = writer_user_ids_[writer_index][rng_.below(writer_user_ids_[writer_index].size())];
    }

    json::object entry;
    entry["id"] = new_entry_id();
    entry["patient"] = json::object{{"nhs_number", patients_[rng_.below(patients_.size())]}};
    entry["author"] = std::move(author);
    entry["route"] = "shared-record";
    entry["resource"] = make_fhir_resource(t, rng_, effective, nopat);

    if (w.org_type != kPracticeOrgType) schedule(entry);
    return {{"event", "entry.created"}, {"entry", std::move(entry)}};
}

void ClinicalTraffic::schedule(const json::object& entry) {
    // Draw every decision unconditionally so one choice never shifts the random stream of the next.
    const bool reviewed = rng_.chance(kReviewedShare) && !std::exchange(never_review_next_, false);
    const bool rejected = rng_.chance(kRejectedShare);
    const std::uint64_t review_in = ticks_after_delay(settings_.review_min, settings_.review_max);
    const bool amended = rng_.chance(kAmendedShare);
    const std::uint64_t amend_in = ticks_after_delay(settings_.review_min, settings_.review_max * 2);
    const bool in_error = rng_.chance(kEnteredInErrorShare);
    const std::uint64_t error_in = ticks_after_delay(settings_.review_min, settings_.review_max * 3);

    const std::uint64_t now = tick_;  // the tick after the one that wrote the entry
    auto add = [&](std::uint64_t in, FollowUpKind kind) {
        pending_.emplace(std::make_pair(now + in - 1, scheduled_++), FollowUp{kind, entry, {}, 0});
    };
    if (reviewed) add(review_in, rejected ? FollowUpKind::rejected : FollowUpKind::filed);
    if (amended) add(amend_in, FollowUpKind::amended);
    if (in_error) add(error_in, FollowUpKind::entered_in_error);
}

UpdateRecordReview ClinicalTraffic::draw_update_record_review(std::string_view message_id) const {
    // A stream of its own: the outcome depends on the seed and the id only, and takes no draws from rng_.
    SimRandom rng(settings_.seed ^ 0x5bd1e9955bd1e995ULL ^ stable_hash(message_id));
    UpdateRecordReview r;
    // Drawn in the order schedule() draws an entry's, every draw unconditional.
    r.reviewed = rng.chance(kReviewedShare);
    r.rejected = rng.chance(kRejectedShare);
    r.in_ticks = ticks_for(rng, settings_.rate, settings_.review_min, settings_.review_max);
    r.reviewer = rng.below(4);  // the GPs and the pharmacist, as for entries
    return r;
}

bool ClinicalTraffic::review_update_record(const std::string& message_id) {
    if (message_id.empty() || !update_records_seen_.insert(message_id).second) return false;
    const UpdateRecordReview r = draw_update_record_review(message_id);
    if (!r.reviewed) return true;
    FollowUp f{r.rejected ? FollowUpKind::rejected : FollowUpKind::filed, {}, message_id, r.reviewer};
    // As schedule(): due on the in_ticks-th tick from now.
    pending_.emplace(std::make_pair(tick_ + r.in_ticks - 1, scheduled_++), std::move(f));
    return true;
}

json::object ClinicalTraffic::follow_up(FollowUp f, SysSeconds now) {
    switch (f.kind) {
    case FollowUpKind::filed:
    case FollowUpKind::rejected: {
        // Reviews are done by the practice's clinicians; pick among the GPs and the pharmacist.
        // An Update Record's reviewer was drawn from its own stream when it was scheduled.
        const auto& users = practice_users();
        const bool update_record = !f.update_record_id.empty();
        const PracticeUser& u = users[update_record ? f.reviewer : rng_.below(4)];
        json::object item = update_record ? json::object{{"kind", "update-record"}, {"id", f.update_record_id}}
                                          : json::object{{"kind", "entry"}, {"id", f.entry.at("id")}};
        return {{"event", f.kind == FollowUpKind::filed ? "workflow.filed" : "workflow.rejected"},
                {"item", std::move(item)},
                {"by", json::object{{"user_id", u.user_id}, {"user_role", u.user_role}, {"name", u.name}}}};
    }
    case FollowUpKind::amended: {
        json::object entry = std::move(f.entry);
        json::object& resource = entry.at("resource").as_object();
        if (resource.at("resourceType").as_string() == "Observation") {
            resource["status"] = "amended";
            resource["effectiveDateTime"] = london_rfc3339(now - std::chrono::minutes(rng_.between(1, 30)));
        } else {
            resource["note"] = json::array{json::object{{"text", "Amended by author"}}};
        }
        return {{"event", "entry.amended"}, {"entry", std::move(entry)}};
    }
    case FollowUpKind::entered_in_error:
        break;
    }
    return {{"event", "entry.entered-in-error"},
            {"entry", json::object{{"id", f.entry.at("id")}, {"author", f.entry.at("author")}}}};
}

}  // namespace gpwatch::sim
