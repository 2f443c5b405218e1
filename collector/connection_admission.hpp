#pragma once
// ConnectionAdmission: which connections a listener takes, keeps and drops, as plain bookkeeping
// (no sockets, no clock), so the rules can be tested alone. HttpsServer asks it on every accept
// and tells it how each connection gets on.
//
// Why: an attacker who opens connections and sends nothing (or dribbles a header) must not be
// able to hold every slot, or every descriptor, so that a practice's upload or the officer's page
// is refused. Three rules, in this order:
//   1. per client address, at most `per_address_connections` open and `per_address_handshakes`
//      still in the TLS handshake; over either the new connection is refused;
//   2. connections that have not completed mutual TLS may use at most
//      max_connections - reserved_for_authenticated slots: the rest are kept for practices;
//   3. when a new connection does not fit, the oldest connection that is idle and not
//      authenticated (still handshaking, waiting for a request or reading its header) is dropped
//      to make room. A connection that completed mutual TLS, or one whose request is being
//      answered, is never dropped for a newcomer; when nothing can be dropped, the new one is
//      refused. Oldest first: a flood's connections are older than the client that just arrived,
//      whose handshake takes milliseconds.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace gpwatch::collector {

struct AdmissionLimits {
    std::size_t max_connections = 0;             // every connection of the listener
    std::size_t reserved_for_authenticated = 0;  // of those, only for connections past mutual TLS
    std::size_t per_address_connections = 0;
    std::size_t per_address_handshakes = 0;
};

// The caps of both listeners, sized so that together they cannot use up `descriptor_limit`
// (RLIMIT_NOFILE): kSpareDescriptors stay for the database, the log, the listeners and the
// event loop; the rest is halved between the listeners, at most kMaxListenerConnections each.
// The upload listener keeps a quarter of its slots for practices that completed mutual TLS; the
// web listener has no client certificates, so no reserve.
struct ServerLimits {
    AdmissionLimits upload;
    AdmissionLimits web;
};
inline constexpr std::size_t kSpareDescriptors = 64;
inline constexpr std::size_t kMaxListenerConnections = 2048;
inline constexpr std::size_t kPerAddressConnections = 32;
inline constexpr std::size_t kPerAddressHandshakes = 8;
ServerLimits limits_for_descriptors(std::uint64_t descriptor_limit);

// The key a client's connections are counted under: the address itself for IPv4 (also when
// mapped into IPv6), its /64 prefix for IPv6, since one host commonly holds a whole /64.
std::string client_key(const boost::asio::ip::address& address);

enum class Refusal {
    per_address_connections,  // rule 1: that address has too many connections open
    per_address_handshakes,   // rule 1: that address has too many TLS handshakes in progress
    listener_full,            // rule 3: full, and nothing that may be dropped
};
const char* refusal_text(Refusal r);

class ConnectionAdmission {
public:
    using Id = std::uint64_t;

    explicit ConnectionAdmission(AdmissionLimits limits) : limits_(limits) {}

    struct Decision {
        std::optional<Refusal> refused;  // set: close the new connection at once
        std::optional<Id> drop;          // set: close this connection first, to make room
    };
    // A new connection (ids must grow: they order connections by age). When admitted it counts
    // as handshaking until handshake_done(); a dropped one is forgotten at once (release() of it
    // later does nothing).
    Decision admit(Id id, const std::string& client);
    // The TLS handshake completed; authenticated: with a client certificate the CA verified.
    void handshake_done(Id id, bool authenticated);
    // A request is being answered (busy) or not: a busy connection is never dropped.
    void set_busy(Id id, bool busy);
    // The connection ended. Unknown ids (already dropped or released) are ignored.
    void release(Id id);

    const AdmissionLimits& limits() const { return limits_; }
    std::size_t open() const { return entries_.size(); }
    std::size_t unauthenticated() const { return unauthenticated_; }
    std::size_t handshaking(const std::string& client) const;
    std::size_t open_from(const std::string& client) const;

private:
    struct Entry {
        std::string client;
        bool handshaking = true;
        bool authenticated = false;
        bool busy = false;
    };
    struct PerClient {
        std::size_t open = 0;
        std::size_t handshaking = 0;
    };
    std::optional<Id> oldest_droppable() const;
    void forget(std::map<Id, Entry>::iterator it);

    AdmissionLimits limits_;
    std::map<Id, Entry> entries_;  // by id, so oldest first
    std::unordered_map<std::string, PerClient> clients_;
    std::size_t unauthenticated_ = 0;
};

}  // namespace gpwatch::collector
