#pragma once
// Pseudonymiser: logs name patients by a keyed pseudonym, never by NHS number. The key lives in
// the state directory (created once, mode 0600), so pseudonyms are stable across restarts within
// one practice, and useless to anyone without the key.

#include <string>
#include <string_view>

namespace gpwatch {

class Pseudonymiser {
public:
    explicit Pseudonymiser(std::string key) : key_(std::move(key)) {}
    // Reads `path`, or creates it with 32 random bytes; throws std::runtime_error on failure.
    static Pseudonymiser from_key_file(const std::string& path);
    // "p-" and 12 hex digits of HMAC-SHA256(key, nhs_number); "p-none" for an empty number.
    std::string pseudonym(std::string_view nhs_number) const;

private:
    std::string key_;
};

}  // namespace gpwatch
