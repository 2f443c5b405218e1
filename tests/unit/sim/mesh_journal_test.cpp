// The MESH simulator's journal names each readable Update Record by its message id (the outer
// Bundle identifier value, which gpwatchd records as the write's upstream id), so the clinical
// simulator (--update-records) can file or reject it by that id.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/update_record/update_record_parser.hpp"
#include "sim/common/journal.hpp"
#include "sim/clinical/mesh_journal_follower.hpp"
#include "sim/mesh/mesh_mailbox.hpp"
#include "sim/mesh/update_record_generator.hpp"

namespace gpwatch::sim {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

const auto kEpoch = std::chrono::sys_days(std::chrono::year(2026) / 5 / 11) + 9h;

TEST(MeshJournal, DeliveredUpdateRecordCarriesItsMessageId) {
    const fs::path dir = fs::temp_directory_path() / ("gpwatch-mesh-journal-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string path = (dir / "mesh-journal.jsonl").string();

    std::map<std::string, GeneratedMessage> sent;  // by MESH id
    std::vector<std::string> expected;             // update_record_id of each readable Update Record, in order
    {
        Journal journal(path);
        MeshMailbox mailbox(std::chrono::hours(24 * 5), &journal);
        UpdateRecordGenerator generator(42, "C84001OT001");
        for (int i = 0; i < 400; ++i) {
            GeneratedMessage m = generator.next(kEpoch + std::chrono::seconds(i * 3));
            if (m.has_kind("update-record") && !m.has_kind("malformed")) expected.push_back(m.bundle_id);
            sent.emplace(m.mesh_id, m);
            ASSERT_TRUE(mailbox.deliver(std::move(m)));
        }
        for (const auto& [id, m] : sent)
            if (m.has_kind("update-record")) mailbox.acknowledge(id);
    }

    std::ifstream in(path);
    int delivered = 0, with_id = 0, acknowledged = 0;
    for (std::string text; std::getline(in, text);) {
        const json::object line = json::parse(text).as_object();
        const std::string event(line.at("event").as_string());
        const std::string mesh_id(line.at("id").as_string());
        const GeneratedMessage& m = sent.at(mesh_id);
        if (event != "delivered") {
            ++acknowledged;
            EXPECT_FALSE(line.contains("update_record_id")) << text;
            continue;
        }
        ++delivered;
        // Every field the journal had before is still there.
        for (const char* key : {"time", "message_type", "workflow_id", "from", "kinds", "bundle_id", "replaces",
                                "sender_ods", "service", "local_id", "chunks", "gzip", "bytes", "n"})
            EXPECT_TRUE(line.contains(key)) << key << " missing from " << text;
        const bool readable_update_record = m.has_kind("update-record") && !m.has_kind("malformed");
        if (!readable_update_record) {
            EXPECT_FALSE(line.contains("update_record_id")) << text;
            continue;
        }
        ++with_id;
        ASSERT_TRUE(line.contains("update_record_id")) << text;
        const std::string id(line.at("update_record_id").as_string());
        EXPECT_FALSE(id.empty());
        EXPECT_EQ(id, m.bundle_id);
        EXPECT_EQ(line.at("message_type").as_string(), "DATA");
        // The id gpwatchd reads out of the message and records the write under.
        const RecordEvent ev = update_record::parse_update_record(m.body);
        EXPECT_EQ(ev.entry_id, id) << text;
        EXPECT_NE(ev.kind, EventKind::unparseable) << ev.parse_error;
    }
    EXPECT_EQ(delivered, 400);
    EXPECT_GT(with_id, 300);
    EXPECT_LT(with_id, 400) << "REPORTs, other events and malformed messages carry no update_record_id";
    EXPECT_GT(acknowledged, 300);

    // What the clinical simulator takes from this journal: exactly those ids, in delivery order.
    boost::asio::io_context ioc;
    std::vector<std::string> ids;
    MeshJournalFollower follower(ioc, path, 10ms, [&](const std::string& id) { ids.push_back(id); });
    follower.poll();
    EXPECT_EQ(ids, expected);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace gpwatch::sim
