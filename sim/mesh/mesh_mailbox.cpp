#include "sim/mesh/mesh_mailbox.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "sim/common/journal.hpp"
#include "sim/common/london_time.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

MeshMailbox::MeshMailbox(std::chrono::milliseconds expire_after, Journal* journal, std::size_t capacity)
    : expire_after_(expire_after), journal_(journal), capacity_(capacity) {}

void MeshMailbox::journal_line(const char* event, const Entry& e) {
    if (!journal_) return;
    const GeneratedMessage& m = e.message;
    json::object line{{"event", event}, {"time", london_rfc3339(now_seconds())}, {"id", m.mesh_id}};
    if (std::string_view(event) == "delivered") {
        json::array kinds;
        for (const auto& k : m.kinds) kinds.emplace_back(k);
        line["message_type"] = m.message_type;
        line["workflow_id"] = m.workflow_id;
        line["from"] = m.from_mailbox;
        line["kinds"] = std::move(kinds);
        line["bundle_id"] = m.bundle_id;
        // Only on a readable Update Record: what the clinical simulator (--update-records) reviews.
        if (!m.update_record_id.empty()) line["update_record_id"] = m.update_record_id;
        line["replaces"] = m.replaces;
        line["sender_ods"] = m.sender_ods;
        line["service"] = m.service;
        line["local_id"] = m.local_id;
        line["chunks"] = m.chunks;
        line["gzip"] = m.gzip;
        line["bytes"] = m.body.size();
        if (m.message_type == "REPORT") {
            line["status_code"] = m.status_code;
            line["linked_message_id"] = m.linked_message_id;
        }
        line["n"] = delivered_;
    }
    journal_->append(json::serialize(line));
}

bool MeshMailbox::deliver(GeneratedMessage message) {
    expire_due();
    if (order_.size() >= capacity_) return false;
    std::string id = message.mesh_id;
    if (entries_.count(id)) return false;  // cannot happen with the generator's ids; never overwrite
    ++delivered_;
    Entry e{std::move(message), Clock::now() + expire_after_, delivered_};
    journal_line("delivered", e);
    order_.push_back(id);
    entries_.emplace(std::move(id), std::move(e));
    return true;
}

void MeshMailbox::expire_due() {
    const auto now = Clock::now();
    while (!order_.empty()) {
        auto it = entries_.find(order_.front());
        if (it->second.acknowledged) {
            order_.pop_front();
            continue;
        }
        if (it->second.expires > now) break;
        it->second.expired = true;
        spdlog::info("mesh sim: message {} expired unacknowledged", it->first);
        journal_line("expired", it->second);
        it->second.message.body = std::string();
        order_.pop_front();
    }
}

std::vector<std::string> MeshMailbox::list(std::size_t max, const std::string& continue_from, bool& more) {
    expire_due();
    std::vector<std::string> ids;
    more = false;
    std::uint64_t after = 0;
    if (auto it = entries_.find(continue_from); !continue_from.empty() && it != entries_.end()) after = it->second.seq;
    for (const auto& id : order_) {
        const Entry& e = entries_.at(id);
        if (e.seq <= after || e.acknowledged) continue;
        if (ids.size() == max) {
            more = true;
            break;
        }
        ids.push_back(id);
    }
    return ids;
}

std::size_t MeshMailbox::waiting() {
    expire_due();
    std::size_t n = 0;
    for (const auto& id : order_)
        if (!entries_.at(id).acknowledged) ++n;
    return n;
}

MeshMailbox::Lookup MeshMailbox::find(const std::string& id) {
    expire_due();
    auto it = entries_.find(id);
    if (it == entries_.end()) return {State::unknown};
    if (it->second.acknowledged || it->second.expired) return {State::gone};
    return {State::waiting, &it->second.message};
}

MeshMailbox::Ack MeshMailbox::acknowledge(const std::string& id) {
    expire_due();
    auto it = entries_.find(id);
    if (it == entries_.end()) return Ack::unknown;
    Entry& e = it->second;
    if (e.acknowledged) return Ack::again;
    if (e.expired) return Ack::gone;
    e.acknowledged = true;
    ++acknowledged_;
    journal_line("acknowledged", e);
    e.message.body = std::string();
    return Ack::acknowledged;
}

}  // namespace gpwatch::sim
