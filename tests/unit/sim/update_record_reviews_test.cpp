// `gpwatch-sim clinical --update-records FILE`: the clinical simulator follows the MESH
// simulator's journal and reviews (files or rejects) every Update Record delivered there, as it
// reviews outside writes to the shared record.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sim/clinical/clinical_catalogue.hpp"
#include "sim/clinical/clinical_traffic.hpp"
#include "sim/clinical/mesh_journal_follower.hpp"

namespace gpwatch::sim {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const SysSeconds kNow = std::chrono::sys_days{std::chrono::year{2026} / 5 / 11} + std::chrono::hours{9};
const TrafficSettings kSettings{"C84001", 2, 5, 40, 42};

// A "delivered" line as MeshMailbox writes it for a readable Update Record.
std::string delivered(const std::string& mesh_id, const std::string& update_record_id, int n = 1) {
    json::object line{{"event", "delivered"},
                      {"time", "2026-05-11T10:42:07+01:00"},
                      {"id", mesh_id},
                      {"message_type", "DATA"},
                      {"workflow_id", "GPCONNECT_UPDATE_RECORD"},
                      {"from", "FQW30OT001"},
                      {"kinds", json::array{"data", "update-record", "pharmacy-first", "uti", "xml"}},
                      {"bundle_id", update_record_id},
                      {"update_record_id", update_record_id},
                      {"replaces", ""},
                      {"sender_ods", "FQW30"},
                      {"service", "1577041000000109"},
                      {"local_id", "0d4f1c52-0000-4000-8000-000000000001"},
                      {"chunks", 1},
                      {"gzip", false},
                      {"bytes", 24511},
                      {"n", n}};
    return json::serialize(line);
}

std::string uuid_like(int i) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "6c1b7e3a-%04x-4a2b-9c3d-%012x", i & 0xffff, static_cast<unsigned>(i) * 2654435761u);
    return buf;
}

// An Update Record id this seed reviews (files or rejects), and one it never reviews.
std::string id_reviewed(const ClinicalTraffic& t, bool reviewed = true) {
    for (int i = 0;; ++i)
        if (t.draw_update_record_review(uuid_like(i)).reviewed == reviewed) return uuid_like(i);
}

struct TempDir {
    fs::path path;
    TempDir() {
        static int n = 0;
        path = fs::temp_directory_path() /
               ("gpwatch-ur-review-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const char* name) const { return (path / name).string(); }
};

void write(const std::string& path, const std::string& text, std::ios::openmode mode = std::ios::app) {
    std::ofstream out(path, std::ios::binary | mode);
    out << text;
}

struct Review {
    std::uint64_t tick;
    json::object event;
};

// The update-record reviews among the next n events of `traffic`, with the tick each fell on.
std::vector<Review> update_record_reviews(ClinicalTraffic& traffic, std::size_t n) {
    std::vector<Review> out;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t tick = traffic.ticks();
        json::object e = traffic.next(kNow + std::chrono::seconds(tick));
        const json::value* item = e.if_contains("item");
        if (item && item->as_object().at("kind").as_string() == "update-record") out.push_back({tick, std::move(e)});
    }
    return out;
}

std::vector<std::string> ids_from(const std::string& path) {
    boost::asio::io_context ioc;
    std::vector<std::string> ids;
    MeshJournalFollower follower(ioc, path, 10ms, [&](const std::string& id) { ids.push_back(id); });
    follower.poll();
    return ids;
}

}  // namespace

TEST(UpdateRecordReviews, DeliveredUpdateRecordIsFiledOrRejectedOnceAfterTheReviewDelay) {
    TempDir dir;
    const std::string journal = dir.file("mesh-journal.jsonl");
    ClinicalTraffic traffic(kSettings);
    const std::string id = id_reviewed(traffic);
    const UpdateRecordReview draw = traffic.draw_update_record_review(id);
    write(journal, delivered("20260511094207123_3A9F0C", id) + "\n");

    for (int i = 0; i < 30; ++i) traffic.next(kNow + std::chrono::seconds(i));  // well under way
    const std::uint64_t seen_at = traffic.ticks();
    boost::asio::io_context ioc;
    MeshJournalFollower follower(ioc, journal, 10ms, [&](const std::string& m) { traffic.review_update_record(m); });
    EXPECT_EQ(follower.poll(), 1u);
    EXPECT_EQ(follower.poll(), 0u) << "nothing new: nothing handed on again";

    const auto reviews = update_record_reviews(traffic, 400);
    ASSERT_EQ(reviews.size(), 1u);
    const json::object& e = reviews[0].event;
    EXPECT_EQ(e.at("event").as_string(), draw.rejected ? "workflow.rejected" : "workflow.filed");
    EXPECT_EQ(e.at("item").as_object().at("kind").as_string(), "update-record");
    EXPECT_EQ(e.at("item").as_object().at("id").as_string(), id);
    // Reviewed by a practice user, in the shape entries' reviews have.
    const json::object& by = e.at("by").as_object();
    const PracticeUser& u = practice_users()[draw.reviewer];
    EXPECT_EQ(by.at("user_id").as_string(), u.user_id);
    EXPECT_EQ(by.at("user_role").as_string(), u.user_role);
    EXPECT_EQ(by.at("name").as_string(), u.name);
    EXPECT_EQ(by.size(), 3u);
    // Not before --review-delay (5 s at 2 events/s: 10 ticks at least); a little after at worst,
    // when other follow-ups fell due on the same ticks.
    EXPECT_GE(draw.in_ticks, 10u);
    EXPECT_LE(draw.in_ticks, 80u);
    EXPECT_GE(reviews[0].tick, seen_at + draw.in_ticks - 1);
    EXPECT_LE(reviews[0].tick, seen_at + draw.in_ticks + 20);
}

TEST(UpdateRecordReviews, SharesAndDelayAreTheEntriesAndTheSeedDecides) {
    ClinicalTraffic a(kSettings), b(kSettings);
    ClinicalTraffic other({"C84001", 2, 5, 40, 43});
    int reviewed = 0, rejected = 0, differing = 0;
    const int n = 4000;
    for (int i = 0; i < n; ++i) {
        const std::string id = uuid_like(i);
        const UpdateRecordReview r = a.draw_update_record_review(id);
        const UpdateRecordReview s = b.draw_update_record_review(id);
        EXPECT_EQ(r.reviewed, s.reviewed);
        EXPECT_EQ(r.rejected, s.rejected);
        EXPECT_EQ(r.in_ticks, s.in_ticks);
        EXPECT_EQ(r.reviewer, s.reviewer);
        const UpdateRecordReview o = other.draw_update_record_review(id);
        differing += o.in_ticks != r.in_ticks;
        EXPECT_GE(r.in_ticks, 10u);  // --review-delay 5:40 at 2 events per second
        EXPECT_LE(r.in_ticks, 80u);
        EXPECT_LT(r.reviewer, 4u);
        reviewed += r.reviewed;
        rejected += r.reviewed && r.rejected;
    }
    EXPECT_NEAR(reviewed / double(n), 0.80, 0.03);
    EXPECT_NEAR(rejected / double(reviewed), 0.10, 0.03);
    EXPECT_GT(differing, n / 2);

    // Through the traffic: the reviewed ones come out once each, the others never.
    ClinicalTraffic traffic({"C84001", 2, 1, 3, 42});
    std::set<std::string> expected;
    for (int i = 0; i < 200; ++i) {
        const std::string id = uuid_like(i);
        EXPECT_TRUE(traffic.review_update_record(id));
        if (traffic.draw_update_record_review(id).reviewed) expected.insert(id);
    }
    std::multiset<std::string> got;
    for (const auto& r : update_record_reviews(traffic, 3000))
        got.insert(std::string(r.event.at("item").as_object().at("id").as_string()));
    EXPECT_EQ(got, std::multiset<std::string>(expected.begin(), expected.end()));
    EXPECT_LT(expected.size(), 200u) << "some Update Records are never reviewed";
}

TEST(UpdateRecordReviews, DuplicateDeliveryIsReviewedOnce) {
    TempDir dir;
    const std::string journal = dir.file("mesh-journal.jsonl");
    ClinicalTraffic traffic(kSettings);
    const std::string id = id_reviewed(traffic);
    // Delivered, acknowledged, then (the MESH simulator restarted) delivered again under a new MESH id.
    write(journal, delivered("20260511094207123_3A9F0C", id, 1) + "\n");
    write(journal, R"({"event":"acknowledged","time":"2026-05-11T10:42:09+01:00","id":"20260511094207123_3A9F0C"})" "\n");
    write(journal, delivered("20260511094502456_0B12DE", id, 1) + "\n");
    write(journal, delivered("20260511094207123_3A9F0C", id, 1) + "\n");

    boost::asio::io_context ioc;
    std::vector<bool> scheduled;
    MeshJournalFollower follower(ioc, journal, 10ms,
                                 [&](const std::string& m) { scheduled.push_back(traffic.review_update_record(m)); });
    EXPECT_EQ(follower.poll(), 3u);
    EXPECT_EQ(scheduled, (std::vector<bool>{true, false, false}));
    const auto reviews = update_record_reviews(traffic, 600);
    ASSERT_EQ(reviews.size(), 1u);
    EXPECT_EQ(reviews[0].event.at("item").as_object().at("id").as_string(), id);
}

TEST(UpdateRecordReviews, OnlyDeliveredUpdateRecordsAreHandedOn) {
    TempDir dir;
    const std::string journal = dir.file("mesh-journal.jsonl");
    const std::string id = uuid_like(7);
    // A REPORT (undelivered acknowledgement).
    write(journal,
          R"({"event":"delivered","time":"2026-05-11T10:40:00+01:00","id":"20260511094000001_000001","message_type":"REPORT",)"
          R"("workflow_id":"GPCONNECT_UPDATE_RECORD_ACK","from":"","kinds":["report"],"bundle_id":"","replaces":"",)"
          R"("sender_ods":"","service":"","local_id":"x","chunks":1,"gzip":false,"bytes":0,"status_code":"14",)"
          R"("linked_message_id":"20260506094000001_000009","n":1})" "\n");
    // Another ITK3 event (a business acknowledgement), not an Update Record.
    write(journal,
          R"({"event":"delivered","time":"2026-05-11T10:40:02+01:00","id":"20260511094002001_000002","message_type":"DATA",)"
          R"("workflow_id":"GPCONNECT_UPDATE_RECORD","from":"FQW30OT001","kinds":["data","other-event","xml"],)"
          R"("bundle_id":"0a0a0a0a-0000-4000-8000-000000000002","replaces":"","sender_ods":"FQW30","service":"",)"
          R"("local_id":"y","chunks":1,"gzip":false,"bytes":900,"n":2})" "\n");
    // A malformed Update Record: gpwatchd quarantines it, nobody can file it.
    write(journal,
          R"({"event":"delivered","time":"2026-05-11T10:40:04+01:00","id":"20260511094004001_000003","message_type":"DATA",)"
          R"("workflow_id":"GPCONNECT_UPDATE_RECORD","from":"FQW30OT001","kinds":["data","update-record","xml","malformed","truncated"],)"
          R"("bundle_id":"0a0a0a0a-0000-4000-8000-000000000003","replaces":"","sender_ods":"FQW30","service":"1577041000000109",)"
          R"("local_id":"z","chunks":1,"gzip":false,"bytes":4000,"n":3})" "\n");
    // Acknowledgements and expiries, even were they to carry the field; a REPORT that did.
    write(journal, R"({"event":"acknowledged","time":"…","id":"20260511094207123_3A9F0C","update_record_id":"ack-1"})" "\n");
    write(journal, R"({"event":"expired","time":"…","id":"20260511094207124_3A9F0D","update_record_id":"exp-1"})" "\n");
    write(journal, R"({"event":"delivered","id":"r","message_type":"REPORT","update_record_id":"report-1"})" "\n");
    write(journal, R"({"event":"delivered","id":"e","message_type":"DATA","update_record_id":""})" "\n");
    write(journal, "not json at all\n\n[1,2]\n");
    // The one Update Record.
    write(journal, delivered("20260511094207123_3A9F0C", id, 4) + "\n");

    EXPECT_EQ(ids_from(journal), std::vector<std::string>{id});
    EXPECT_EQ(delivered_update_record_id(delivered("m", id)), id);
    EXPECT_FALSE(delivered_update_record_id(R"({"event":"acknowledged","id":"m"})").has_value());
    EXPECT_FALSE(delivered_update_record_id("{").has_value());
}

TEST(UpdateRecordReviews, FollowsAJournalCreatedLaterAndLinesAppendedLater) {
    TempDir dir;
    const std::string journal = dir.file("mesh-journal.jsonl");  // not there yet
    boost::asio::io_context ioc;
    std::vector<std::string> ids;
    MeshJournalFollower follower(ioc, journal, 20ms, [&](const std::string& m) { ids.push_back(m); });
    follower.start();
    auto run_until = [&](std::size_t n) {
        for (int i = 0; i < 150 && ids.size() < n; ++i) ioc.run_for(20ms);
    };
    ioc.run_for(100ms);
    EXPECT_TRUE(ids.empty());

    write(journal, delivered("20260511094207123_3A9F0C", uuid_like(1), 1) + "\n");
    run_until(1);
    EXPECT_EQ(ids, std::vector<std::string>{uuid_like(1)});

    // A line written in two pieces is read once it is whole.
    const std::string line = delivered("20260511094209123_3A9F0D", uuid_like(2), 2);
    write(journal, line.substr(0, line.size() / 2));
    ioc.run_for(150ms);
    EXPECT_EQ(ids.size(), 1u);
    write(journal, line.substr(line.size() / 2) + "\n");
    run_until(2);
    EXPECT_EQ(ids, (std::vector<std::string>{uuid_like(1), uuid_like(2)}));

    // Replaced by a new journal (the demo starts afresh): read from its start.
    fs::remove(journal);
    write(journal, delivered("20260511100000000_000001", uuid_like(3), 1) + "\n");
    run_until(3);
    EXPECT_EQ(ids, (std::vector<std::string>{uuid_like(1), uuid_like(2), uuid_like(3)}));

    follower.stop();
    ioc.run_for(100ms);
    EXPECT_TRUE(ioc.stopped()) << "stop() ends the polling";
}

}  // namespace gpwatch::sim
