// libFuzzer target for the Update Record parser. Beyond "does not crash" (ASan, UBSan), it checks
// the contract the daemon relies on, and aborts when any of it breaks.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "connectors/update_record/update_record_parser.hpp"

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

// Errors go into log lines and alerts as they are: printable ASCII, one line.
bool printable(std::string_view s) {
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b >= 0x7f) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gpwatch;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // Small limits too, so the limit paths are reached with the short inputs libFuzzer makes.
    update_record::ParseLimits small;
    small.max_bytes = 4096;
    small.max_depth = 12;
    small.max_elements = 200;
    for (const auto& limits : {update_record::ParseLimits{}, small}) {
        const RecordEvent ev = update_record::parse_update_record(input, limits);
        require(ev.feed == Feed::update_record);
        require(printable(ev.parse_error));
        switch (ev.kind) {
            case EventKind::entry_created:
                require(ev.parse_error.empty() && ev.raw.empty());
                require(!ev.entry_id.empty() && !ev.update_record.document_id.empty() && !ev.nhs_number.empty() &&
                        !ev.author.ods.empty() && !ev.update_record.sender_mailbox.empty() && !ev.update_record.service_code.empty());
                require(ev.route == "update-record" && ev.resource_type == "Composition");
                break;
            case EventKind::not_update_record:
                require(!ev.entry_id.empty() && !ev.parse_error.empty() && ev.nhs_number.empty());
                break;
            case EventKind::unparseable:
                require(!ev.parse_error.empty() && ev.raw == input && ev.nhs_number.empty() && ev.codes.empty());
                break;
            default:
                require(false);
        }
    }
    return 0;
}
