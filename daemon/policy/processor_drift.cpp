#include "daemon/policy/processor_drift.hpp"

#include <algorithm>

#include "daemon/policy/policy.hpp"

namespace gpwatch::policy {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::optional<ProcessorCheck> check_processor(const Settings& st, const RecordEvent& ev) {
    const auto& p = st.processor;
    ProcessorCheck c;
    c.actual = ev.setting_value;
    if (ev.setting == "update-record") {
        c.key = "update-record";
        c.expected = p.update_record ? "on" : "off";
        c.in_line = c.actual == c.expected;
    } else if (ev.setting == "share-in") {
        if (ev.setting_ods.empty()) return std::nullopt;
        c.key = "share-in:" + ev.setting_ods;
        if (contains(p.share_in_allowed, ev.setting_ods)) {
            c.expected = "allowed";
            c.in_line = c.actual == "allowed";
        } else if (contains(p.share_in_prohibited, ev.setting_ods)) {
            c.expected = "prohibited";
            c.in_line = c.actual == "prohibited";
        } else {
            // Not listed: the controller has not let it write; anything but "allowed" agrees.
            c.expected = "removed";
            c.in_line = c.actual != "allowed";
        }
    } else if (ev.setting == "agreement") {
        if (ev.setting_agreement.empty()) return std::nullopt;
        c.key = "agreement:" + ev.setting_agreement;
        c.expected = contains(p.active_agreements, ev.setting_agreement) ? "active" : "inactive";
        c.in_line = c.actual == c.expected;
    } else {
        return std::nullopt;
    }
    return c;
}

}  // namespace gpwatch::policy
