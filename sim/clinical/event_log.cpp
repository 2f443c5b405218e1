#include "sim/clinical/event_log.hpp"

#include <boost/json/serialize.hpp>

#include "sim/common/journal.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

ClinicalEventLog::ClinicalEventLog(std::string practice, std::size_t capacity, Journal* journal)
    : practice_(std::move(practice)), capacity_(capacity), journal_(journal) {}

std::uint64_t ClinicalEventLog::publish(const json::object& body, SysSeconds now, const std::string& claimed_time) {
    const std::uint64_t seq = next_seq_++;
    json::object event;
    event.reserve(body.size() + 4);
    event["type"] = "event";
    event["seq"] = seq;
    event["time"] = claimed_time.empty() ? london_rfc3339(now) : claimed_time;
    event["practice"] = practice_;
    for (const auto& member : body) event[member.key()] = member.value();

    auto frame = std::make_shared<const std::string>(json::serialize(event));
    if (journal_) journal_->append(*frame);
    events_.push_back(std::move(frame));
    if (events_.size() > capacity_) events_.pop_front();

    for (auto* timer : waiters_) timer->cancel();
    return seq;
}

ClinicalEventLog::Frame ClinicalEventLog::find(std::uint64_t seq) const {
    if (seq < first_retained_seq() || seq > latest_seq()) return nullptr;
    return events_[seq - first_retained_seq()];
}

}  // namespace gpwatch::sim
