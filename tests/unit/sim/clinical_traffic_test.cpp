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

std::vector<json::object> generate(std::uint64_t seed, std::size_t n, double rate = 2, double rmin = 5,
                                   double rmax = 40) {
    ClinicalTraffic traffic({"C84001", rate, rmin, rmax, seed});
    std::vector<json::object> events;
    for (std::size_t i = 0; i < n; ++i) events.push_back(traffic.next(kNow + std::chrono::seconds(i)));
    return events;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

const json::object& obj(const json::object& o, const char* key) {
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_object()) throw std::runtime_error(std::string("missing object ") + key);
    return v->as_object();
}

void expect_strings(const json::object& o, std::initializer_list<const char*> keys, const std::string& where) {
    for (const char* k : keys) {
        const json::value* v = o.if_contains(k);
        ASSERT_TRUE(v && v->is_string() && !v->as_string().empty()) << where << " lacks string " << k;
    }
}

}  // namespace

TEST(ClinicalTraffic, SameSeedGivesTheSameSequence) {
    const auto a = generate(42, 3000);
    const auto b = generate(42, 3000);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(json::serialize(a[i]), json::serialize(b[i])) << "event " << i;

    const auto c = generate(43, 50);
    int differing = 0;
    for (std::size_t i = 0; i < c.size(); ++i) differing += json::serialize(a[i]) != json::serialize(c[i]);
    EXPECT_GT(differing, 40);
}

TEST(ClinicalTraffic, NhsNumbersPassModulus11) {
    std::set<std::string> patients;
    for (const auto& e : generate(7, 5000)) {
        if (str(e.at("event")) != "entry.created" && str(e.at("event")) != "entry.amended") continue;
        const std::string n = str(obj(obj(e, "entry"), "patient").at("nhs_number"));
        ASSERT_TRUE(nhs_number_is_valid(n)) << n;
        patients.insert(n);
    }
    EXPECT_GT(patients.size(), 200u);  // a pool of a few hundred patients
    EXPECT_LE(patients.size(), 300u);
}

TEST(ClinicalTraffic, FirstTenEventsHaveAProhibitedAndAnUnlistedWriter) {
    // Also with reviews due at once and slow rates, where follow-ups compete for the first ticks.
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        const bool quick = seed % 2;
        const auto events = quick ? generate(seed, 10, 1, 0, 0) : generate(seed, 10);
        bool rw1 = false, ntv21 = false;
        for (const auto& e : events) {
            if (str(e.at("event")) != "entry.created") continue;
            const std::string ods = str(obj(obj(e, "entry"), "author").at("ods"));
            rw1 |= ods == "RW1";
            ntv21 |= ods == "NTV21";
        }
        ASSERT_TRUE(rw1) << "seed " << seed;
        ASSERT_TRUE(ntv21) << "seed " << seed;
    }
}

TEST(ClinicalTraffic, TheFirstProhibitedWriteIsNeverReviewed) {
    // The demo's overdue alert within a minute rests on this: the first RW1 write stays unreviewed.
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
        const auto events = generate(seed, 400, 1, 0, 0);  // reviews due at once: the hardest case
        std::string first_rw1;
        for (const auto& e : events) {
            const std::string kind = str(e.at("event"));
            if (first_rw1.empty() && kind == "entry.created" &&
                str(obj(obj(e, "entry"), "author").at("ods")) == "RW1")
                first_rw1 = str(obj(e, "entry").at("id"));
            if (!first_rw1.empty() && (kind == "workflow.filed" || kind == "workflow.rejected")) {
                ASSERT_NE(str(obj(e, "item").at("id")), first_rw1) << "seed " << seed;
            }
        }
        ASSERT_FALSE(first_rw1.empty()) << "seed " << seed;
    }
}

TEST(ClinicalTraffic, EventsHaveTheFeedFieldsAndConsistentFollowUps) {
    const std::set<std::string> resource_types = {"Observation",       "Condition",        "MedicationStatement",
                                                  "Encounter",         "DocumentReference", "ProcedureRequest",
                                                  "ReferralRequest",   "Flag",             "AllergyIntolerance"};
    const auto events = generate(2026, 20000);
    std::map<std::string, json::object> created;  // entry id → entry
    std::set<std::string> ids, reviewed, seen_types;
    std::map<std::string, int> writes_by_ods, kinds;
    int nopat = 0, third_party = 0;

    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        const std::string where = "event " + std::to_string(i) + " " + json::serialize(e);
        const std::string kind = str(e.at("event"));
        ++kinds[kind];
        if (kind == "entry.created" || kind == "entry.amended") {
            const auto& entry = obj(e, "entry");
            expect_strings(entry, {"id", "route"}, where);
            EXPECT_EQ(str(entry.at("route")), "shared-record");
            expect_strings(obj(entry, "patient"), {"nhs_number"}, where);
            expect_strings(obj(entry, "author"), {"ods", "name", "org_type", "user_role", "user_id"}, where);
            const auto& resource = obj(entry, "resource");
            const std::string rt = str(resource.at("resourceType"));
            ASSERT_TRUE(resource_types.count(rt)) << where;
            seen_types.insert(rt);
            if (const auto* meta = resource.if_contains("meta")) {
                const auto& label = meta->at("security").at(0).as_object();
                EXPECT_EQ(str(label.at("system")), "http://terminology.hl7.org/CodeSystem/v3-ActCode");
                EXPECT_EQ(str(label.at("code")), "NOPAT");
                nopat += kind == "entry.created";
            }
            const std::string id = str(entry.at("id"));
            ASSERT_EQ(id.rfind("e-", 0), 0u) << where;
            if (kind == "entry.created") {
                ASSERT_TRUE(ids.insert(id).second) << "duplicate id " << where;
                const std::string ods = str(obj(entry, "author").at("ods"));
                ++writes_by_ods[ods];
                if (ods != "C84001") {
                    ++third_party;
                    created[id] = entry;
                }
            } else {
                ASSERT_TRUE(created.count(id)) << "amends an unknown or own-practice entry: " << where;
                EXPECT_EQ(json::serialize(entry.at("author")), json::serialize(created[id].at("author")));
                EXPECT_EQ(json::serialize(entry.at("patient")), json::serialize(created[id].at("patient")));
            }
        } else if (kind == "entry.entered-in-error") {
            const auto& entry = obj(e, "entry");
            EXPECT_EQ(entry.size(), 2u) << where;
            const std::string id = str(entry.at("id"));
            ASSERT_TRUE(created.count(id)) << where;
            EXPECT_EQ(json::serialize(entry.at("author")), json::serialize(created[id].at("author")));
        } else if (kind == "workflow.filed" || kind == "workflow.rejected") {
            const auto& item = obj(e, "item");
            EXPECT_EQ(str(item.at("kind")), "entry");
            const std::string id = str(item.at("id"));
            ASSERT_TRUE(created.count(id)) << "reviews an unknown or own-practice entry: " << where;
            ASSERT_TRUE(reviewed.insert(id).second) << "reviewed twice: " << where;
            expect_strings(obj(e, "by"), {"user_id", "user_role", "name"}, where);
        } else if (kind == "sharing.changed" || kind == "patient.flags") {
            continue;  // record_changes_test.cpp checks these
        } else {
            FAIL() << "unexpected event kind " << where;
        }
    }

    EXPECT_EQ(seen_types, resource_types);
    int writes = 0;
    for (const auto& [ods, n] : writes_by_ods) writes += n;
    auto share = [&](const char* ods) { return double(writes_by_ods[ods]) / writes; };
    EXPECT_NEAR(share("C84001"), 0.30 / 0.95, 0.03);
    EXPECT_NEAR(share("RT5"), 0.15 / 0.95, 0.03);
    EXPECT_NEAR(share("RW1"), 0.05 / 0.95, 0.02);
    EXPECT_NEAR(share("NTV21"), 0.08 / 0.95, 0.02);
    EXPECT_EQ(writes_by_ods.size(), 7u);
    // ~80 % of third-party writes are reviewed (the last few are still waiting), some rejected.
    EXPECT_NEAR(double(reviewed.size()) / third_party, 0.80, 0.04);
    EXPECT_GT(kinds["workflow.rejected"], 0);
    EXPECT_NEAR(double(kinds["workflow.rejected"]) / reviewed.size(), 0.10, 0.03);
    EXPECT_NEAR(double(kinds["entry.amended"]) / third_party, 0.05, 0.02);
    EXPECT_NEAR(double(kinds["entry.entered-in-error"]) / third_party, 0.02, 0.01);
    EXPECT_GT(nopat, 0);
}

}  // namespace gpwatch::sim
