// sharing.changed and patient.flags in the clinical simulator's traffic: docs/protocols.md section 2's
// shapes exactly, the rates the brief asks for, the supplier's off-then-on story, and the same
// events for the same seed.
#include "sim/clinical/clinical_traffic.hpp"

#include <map>
#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sim/common/nhs_number.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

namespace {

const SysSeconds kNow = std::chrono::sys_days{std::chrono::year{2026} / 5 / 11} + std::chrono::hours{9};

std::vector<json::object> generate(std::uint64_t seed, std::size_t n) {
    ClinicalTraffic traffic({"C84001", 2, 5, 40, seed});
    std::vector<json::object> events;
    for (std::size_t i = 0; i < n; ++i) events.push_back(traffic.next(kNow + std::chrono::seconds(i)));
    return events;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

std::set<std::string> keys(const json::object& o) {
    std::set<std::string> k;
    for (const auto& kv : o) k.insert(std::string(kv.key()));
    return k;
}

bool is_change(const json::object& e) {
    const std::string kind = str(e.at("event"));
    return kind == "sharing.changed" || kind == "patient.flags";
}

// A changed_by as docs/protocols.md gives it: a supplier by name, or a practice user with id and name.
void expect_changed_by(const json::object& by, const std::string& where) {
    const std::string kind = str(by.at("kind"));
    if (kind == "supplier") {
        EXPECT_EQ(keys(by), (std::set<std::string>{"kind", "name"})) << where;
        EXPECT_EQ(str(by.at("name")), "system supplier") << where;
    } else {
        ASSERT_EQ(kind, "practice-user") << where;
        EXPECT_EQ(keys(by), (std::set<std::string>{"kind", "user_id", "name"})) << where;
        EXPECT_EQ(str(by.at("user_id")).rfind("u-", 0), 0u) << where;
        EXPECT_FALSE(by.at("name").as_string().empty()) << where;
    }
}

}  // namespace

TEST(RecordChanges, SharingChangedHasTheDocumentedShapes) {
    const std::set<std::string> outside = {"RT5", "RY5", "NQT11", "NTV21", "NHC04", "RW1"};
    const auto events = generate(2026, 30000);
    std::map<std::string, int> settings;
    int sharing = 0, off_by_supplier = 0, back_on = 0;
    bool is_off = false;
    std::size_t off_at = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        if (str(e.at("event")) != "sharing.changed") continue;
        const std::string where = "event " + std::to_string(i) + " " + json::serialize(e);
        ++sharing;
        const std::string setting = str(e.at("setting"));
        const std::string value = str(e.at("value"));
        ++settings[setting];
        expect_changed_by(e.at("changed_by").as_object(), where);
        if (setting == "update-record") {
            EXPECT_EQ(keys(e), (std::set<std::string>{"event", "setting", "value", "changed_by"})) << where;
            if (value == "off") {
                // The supplier switches it off, and it comes back on before it is switched off again.
                ASSERT_FALSE(is_off) << "off twice without on between: " << where;
                is_off = true;
                EXPECT_EQ(str(e.at("changed_by").at("kind")), "supplier") << where;
                off_at = i;
                ++off_by_supplier;
            } else {
                ASSERT_EQ(value, "on") << where;
                ASSERT_TRUE(is_off) << "on without an earlier off: " << where;
                EXPECT_GE(i - off_at, 20u) << where;  // "some events later"
                is_off = false;
                ++back_on;
            }
        } else if (setting == "share-in") {
            EXPECT_EQ(keys(e), (std::set<std::string>{"event", "setting", "ods", "value", "changed_by"})) << where;
            EXPECT_TRUE(outside.count(str(e.at("ods")))) << where;
            EXPECT_TRUE(value == "allowed" || value == "prohibited" || value == "removed") << where;
            EXPECT_EQ(str(e.at("changed_by").at("kind")), "practice-user") << where;
        } else {
            ASSERT_EQ(setting, "agreement") << where;
            EXPECT_EQ(keys(e), (std::set<std::string>{"event", "setting", "agreement", "value", "changed_by"}))
                << where;
            EXPECT_FALSE(e.at("agreement").as_string().empty()) << where;
            EXPECT_TRUE(value == "active" || value == "inactive") << where;
        }
    }
    // About 1 in 150 events, mostly the supplier's update-record switch; all three kinds occur.
    EXPECT_NEAR(double(sharing) / events.size(), 1.0 / 150, 0.002);
    EXPECT_GT(settings["update-record"], settings["share-in"]);
    EXPECT_GT(settings["share-in"], 0);
    EXPECT_GT(settings["agreement"], 0);
    EXPECT_GT(off_by_supplier, 20);
    EXPECT_GE(back_on, off_by_supplier - 1);  // the last switch-off may still be waiting
}

TEST(RecordChanges, PatientFlagsHaveTheDocumentedShapeForKnownPatients) {
    const auto events = generate(77, 30000);
    std::set<std::string> written_about;  // patients of the practice's entries
    for (const auto& e : events)
        if (str(e.at("event")) == "entry.created")
            written_about.insert(str(e.at("entry").at("patient").at("nhs_number")));

    int flags = 0, online_added = 0, online_removed = 0;
    std::map<std::string, std::set<std::string>> has;  // patient → codes, replaying the events
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        if (str(e.at("event")) != "patient.flags") continue;
        const std::string where = "event " + std::to_string(i) + " " + json::serialize(e);
        ++flags;
        ASSERT_EQ(keys(e), (std::set<std::string>{"event", "patient", "added", "removed"})) << where;
        const auto& patient = e.at("patient").as_object();
        ASSERT_EQ(keys(patient), (std::set<std::string>{"nhs_number"})) << where;
        const std::string nhs = str(patient.at("nhs_number"));
        EXPECT_TRUE(nhs_number_is_valid(nhs)) << where;
        EXPECT_TRUE(written_about.count(nhs)) << "a patient the simulator never wrote about: " << where;
        const auto& added = e.at("added").as_array();
        const auto& removed = e.at("removed").as_array();
        EXPECT_FALSE(added.empty() && removed.empty()) << where;
        for (const auto* list : {&added, &removed}) {
            for (const auto& c : *list) {
                const auto& coding = c.as_object();
                ASSERT_EQ(keys(coding), (std::set<std::string>{"system", "code"})) << where;
                const std::string system = str(coding.at("system"));
                const std::string code = str(coding.at("code"));
                EXPECT_TRUE(system == "urn:gpwatch:flag" || system == "http://snomed.info/sct") << where;
                if (system == "urn:gpwatch:flag") {
                    EXPECT_EQ(code, "online-access") << where;
                }
                if (list == &added) {
                    EXPECT_TRUE(has[nhs].insert(code).second) << "added twice: " << where;
                    online_added += code == "online-access";
                } else {
                    EXPECT_EQ(has[nhs].erase(code), 1u) << "removed without being added: " << where;
                    online_removed += code == "online-access";
                }
            }
        }
    }
    EXPECT_NEAR(double(flags) / events.size(), 1.0 / 60, 0.003);
    EXPECT_GT(online_added, 50);
    EXPECT_GT(online_removed, 0);
}

TEST(RecordChanges, DeterministicPerSeedAndNeverInTheFirstTenEvents) {
    auto changes = [](std::uint64_t seed) {
        std::vector<std::pair<std::size_t, std::string>> out;
        const auto events = generate(seed, 5000);
        for (std::size_t i = 0; i < events.size(); ++i)
            if (is_change(events[i])) out.emplace_back(i, json::serialize(events[i]));
        return out;
    };
    const auto a = changes(9), b = changes(9), c = changes(10);
    ASSERT_GT(a.size(), 50u);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    // The demo's forced writes own the first ten ticks.
    for (std::uint64_t seed = 0; seed < 200; ++seed)
        for (const auto& e : generate(seed, 10)) ASSERT_FALSE(is_change(e)) << "seed " << seed;
}

}  // namespace gpwatch::sim
