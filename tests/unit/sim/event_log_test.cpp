#include "sim/clinical/event_log.hpp"

#include <cstdio>
#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sim/common/journal.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

TEST(ClinicalEventLog, NumbersFromOneStampsAndJournals) {
    const std::string path = testing::TempDir() + "sim_event_log_journal.jsonl";
    std::remove(path.c_str());
    Journal journal(path);
    ClinicalEventLog log("C84001", 3, &journal);
    const SysSeconds t = std::chrono::sys_days{std::chrono::year{2026} / 5 / 11} + std::chrono::hours{9};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(log.publish({{"event", "entry.created"}, {"n", i}}, t), std::uint64_t(i + 1));

    EXPECT_EQ(log.latest_seq(), 5u);
    EXPECT_EQ(log.first_retained_seq(), 3u);  // capacity 3
    EXPECT_EQ(log.find(2), nullptr);
    EXPECT_EQ(log.find(6), nullptr);
    ASSERT_NE(log.find(4), nullptr);
    EXPECT_EQ(*log.find(4),
              R"({"type":"event","seq":4,"time":"2026-05-11T10:00:00+01:00","practice":"C84001","event":"entry.created","n":3})");

    std::ifstream in(path);
    std::string line;
    std::uint64_t seq = 0;
    while (std::getline(in, line)) EXPECT_EQ(json::parse(line).at("seq").as_int64(), static_cast<std::int64_t>(++seq));
    EXPECT_EQ(seq, 5u);
}

}  // namespace gpwatch::sim
