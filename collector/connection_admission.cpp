#include "collector/connection_admission.hpp"

#include <algorithm>

namespace gpwatch::collector {

ServerLimits limits_for_descriptors(std::uint64_t descriptor_limit) {
    const std::uint64_t usable = descriptor_limit > kSpareDescriptors + 16 ? descriptor_limit - kSpareDescriptors : 16;
    const std::size_t per_listener =
        static_cast<std::size_t>(std::min<std::uint64_t>(usable / 2, kMaxListenerConnections));
    AdmissionLimits common;
    common.max_connections = per_listener;
    common.per_address_connections = std::min(kPerAddressConnections, per_listener);
    common.per_address_handshakes = std::min(kPerAddressHandshakes, per_listener);
    ServerLimits out{common, common};
    out.upload.reserved_for_authenticated = per_listener / 4;
    return out;
}

std::string client_key(const boost::asio::ip::address& address) {
    if (address.is_v4()) return address.to_v4().to_string();
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

const char* refusal_text(Refusal r) {
    switch (r) {
    case Refusal::per_address_connections: return "per-address cap on connections";
    case Refusal::per_address_handshakes: return "per-address cap on TLS handshakes in progress";
    case Refusal::listener_full: return "listener full, nothing idle to drop";
    }
    return "?";
}

ConnectionAdmission::Decision ConnectionAdmission::admit(Id id, const std::string& client) {
    Decision d;
    const auto c = clients_.find(client);
    if (c != clients_.end()) {
        if (c->second.open >= limits_.per_address_connections) {
            d.refused = Refusal::per_address_connections;
            return d;
        }
        if (c->second.handshaking >= limits_.per_address_handshakes) {
            d.refused = Refusal::per_address_handshakes;
            return d;
        }
    }
    const std::size_t unauthenticated_cap = limits_.max_connections - limits_.reserved_for_authenticated;
    if (entries_.size() >= limits_.max_connections || unauthenticated_ >= unauthenticated_cap) {
        d.drop = oldest_droppable();
        if (!d.drop) {
            d.refused = Refusal::listener_full;
            return d;
        }
        forget(entries_.find(*d.drop));
    }
    entries_.emplace(id, Entry{client});
    auto& per = clients_[client];
    ++per.open;
    ++per.handshaking;
    ++unauthenticated_;
    return d;
}

void ConnectionAdmission::handshake_done(Id id, bool authenticated) {
    const auto it = entries_.find(id);
    if (it == entries_.end() || !it->second.handshaking) return;
    it->second.handshaking = false;
    --clients_[it->second.client].handshaking;
    if (authenticated) {
        it->second.authenticated = true;
        --unauthenticated_;
    }
}

void ConnectionAdmission::set_busy(Id id, bool busy) {
    if (const auto it = entries_.find(id); it != entries_.end()) it->second.busy = busy;
}

void ConnectionAdmission::release(Id id) {
    if (const auto it = entries_.find(id); it != entries_.end()) forget(it);
}

std::size_t ConnectionAdmission::handshaking(const std::string& client) const {
    const auto c = clients_.find(client);
    return c == clients_.end() ? 0 : c->second.handshaking;
}

std::size_t ConnectionAdmission::open_from(const std::string& client) const {
    const auto c = clients_.find(client);
    return c == clients_.end() ? 0 : c->second.open;
}

std::optional<ConnectionAdmission::Id> ConnectionAdmission::oldest_droppable() const {
    for (const auto& [id, e] : entries_)
        if (!e.authenticated && !e.busy) return id;
    return std::nullopt;
}

void ConnectionAdmission::forget(std::map<Id, Entry>::iterator it) {
    const auto c = clients_.find(it->second.client);
    if (c != clients_.end()) {
        --c->second.open;
        if (it->second.handshaking) --c->second.handshaking;
        if (c->second.open == 0) clients_.erase(c);
    }
    if (!it->second.authenticated) --unauthenticated_;
    entries_.erase(it);
}

}  // namespace gpwatch::collector
