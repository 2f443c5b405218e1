// The delivery pipeline against a real ledger, with sinks that record what they receive and can
// be told to fail, and time passed in (an injected clock): routing to several sinks, quiet hours,
// digest windows, silences, backoff, permanent failure, a long outage ending in one digest, and
// exactly one delivery per (alert, sink) through restarts of the outbox.

#include <set>

#include <date/date.h>

#include "daemon/alerts/alert_outbox.hpp"
#include "daemon/alerts/internal_alerts.hpp"
#include "tests/unit/alerts/delivery_fixture.hpp"

using namespace gpwatch;
using namespace gpwatch::testing;
using namespace std::chrono_literals;

namespace {

// Europe/London in winter is UTC: these instants read as the practice's wall clock.
std::int64_t at(date::year_month_day day, std::chrono::minutes time_of_day) {
    return std::chrono::duration_cast<std::chrono::seconds>((date::sys_days{day} + time_of_day).time_since_epoch())
        .count();
}
const auto kMonday = date::year{2026} / 11 / 30;
const auto kSaturday = date::year{2026} / 11 / 28;

RouteSettings route_of(std::vector<std::string> severities, std::vector<std::string> sinks, bool digest = false) {
    RouteSettings r;
    r.severities = std::move(severities);
    r.sinks = std::move(sinks);
    r.digest = digest;
    return r;
}

class DeliveryPipeline : public DeliveryFixture {
protected:
    DeliverySettings two_sinks() {
        DeliverySettings d;
        d.configured = true;
        for (const char* n : {"mail", "task"}) {
            SinkSettings s;
            s.name = n;
            s.type = "maildir";
            d.sinks.push_back(s);
        }
        d.routes.push_back(route_of({"urgent"}, {"mail", "task"}));
        d.routes.push_back(route_of({"info"}, {"mail"}, true));
        d.default_sinks = {"mail"};
        d.digest_window = 300s;
        return d;
    }
    std::unique_ptr<alerts::AlertOutbox> outbox(const DeliverySettings& d) {
        return std::make_unique<alerts::AlertOutbox>(
            *ledger_, std::map<std::string, AlertSink*>{{"mail", &mail_}, {"task", &task_}}, d, calendar_, "C84001",
            internal_.get());
    }
    void SetUp() override {
        DeliveryFixture::SetUp();
        internal_ = std::make_unique<alerts::InternalAlerts>(*ledger_, "Test Practice (C84001)");
    }
    void TearDown() override {
        internal_.reset();
        DeliveryFixture::TearDown();
    }
    int received_by(const RecordingSink& s, std::int64_t id) { return s.count_of(id); }
    // Copies of alert `id` a sink received, alone or inside a digest.
    int carried_by(const RecordingSink& s, std::int64_t id) {
        int n = s.count_of(id);
        for (const auto& a : s.received)
            for (auto c : a.covers) n += c == id;
        return n;
    }

    RecordingSink mail_{"mail"}, task_{"task"};
    Calendar calendar_;  // Monday to Friday 08:00-18:30, Europe/London
    std::unique_ptr<alerts::InternalAlerts> internal_;
};

}  // namespace

TEST_F(DeliveryPipeline, RoutesBySeverityToOneOrMoreSinks) {
    const auto now = at(kMonday, 10h);
    auto ob = outbox(two_sinks());
    const auto urgent = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, now);
    const auto high = add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, now);
    const auto r = ob->deliver_due(now);
    EXPECT_EQ(r.routed, 2);
    EXPECT_EQ(r.delivered, 3);
    EXPECT_EQ(received_by(mail_, urgent), 1);
    EXPECT_EQ(received_by(task_, urgent), 1) << "urgent goes to both sinks";
    EXPECT_EQ(received_by(mail_, high), 1) << "no route matches high: the default sink";
    EXPECT_EQ(received_by(task_, high), 0);
    EXPECT_EQ(state_of(urgent), "delivered");
}

TEST_F(DeliveryPipeline, QuietHoursHoldNonUrgentUntilTheNextWorkingPeriod) {
    auto d = two_sinks();
    d.quiet_hours = true;
    auto ob = outbox(d);
    const auto saturday = at(kSaturday, 10h);
    const auto urgent = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, saturday);
    const auto high = add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, saturday);
    ob->deliver_due(saturday);
    EXPECT_EQ(received_by(mail_, urgent), 1) << "urgent goes at once, even on a Saturday";
    EXPECT_EQ(received_by(mail_, high), 0) << "non-urgent waits";
    EXPECT_EQ(ob->next_due(), at(kMonday, 8h)) << "held until Monday 08:00";
    ob->deliver_due(at(kMonday, 8h) - 1);
    EXPECT_EQ(received_by(mail_, high), 0);
    ob->deliver_due(at(kMonday, 8h));
    EXPECT_EQ(received_by(mail_, high), 1);
    // Evening of a working day: also held, until the next morning.
    const auto evening = at(kMonday, 19h);
    const auto later = add_write_alert("RT5", Reason::unreviewed_overdue, Severity::review, evening);
    ob->deliver_due(evening);
    EXPECT_EQ(received_by(mail_, later), 0);
    EXPECT_EQ(ob->next_due(), at(kMonday, 8h) + 86400);
}

TEST_F(DeliveryPipeline, WithoutQuietHoursNothingIsHeld) {
    auto ob = outbox(two_sinks());
    const auto saturday = at(kSaturday, 3h);
    const auto high = add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, saturday);
    ob->deliver_due(saturday);
    EXPECT_EQ(received_by(mail_, high), 1);
}

TEST_F(DeliveryPipeline, DigestWindowGathersAlertsOfOneKindIntoOneMessage) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(add_write_alert("RY5", Reason::review_tracked, Severity::info, t0 + i * 30));
        ob->deliver_due(t0 + i * 30);
    }
    EXPECT_TRUE(mail_.received.empty()) << "info waits for its digest window";
    EXPECT_EQ(ob->next_due(), t0 + 300);
    const auto r = ob->deliver_due(t0 + 300);
    EXPECT_EQ(r.digests, 1);
    ASSERT_EQ(mail_.received.size(), 1u) << "one message, not four";
    const auto& digest = mail_.received.front();
    EXPECT_EQ(digest.kind, "digest");
    EXPECT_EQ(digest.covers, ids);
    for (auto id : ids) {
        EXPECT_NE(digest.body.find("subject " + std::to_string(id)), std::string::npos)
            << "the digest carries each alert's text";
        EXPECT_EQ(state_of(id), "delivered");
    }
    EXPECT_EQ(ob->deliver_due(t0 + 3600).delivered, 0) << "nothing twice";
}

TEST_F(DeliveryPipeline, AnAlertAloneInItsWindowGoesAsItself) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    const auto id = add_write_alert("RY5", Reason::review_tracked, Severity::info, t0);
    ob->deliver_due(t0);
    ob->deliver_due(t0 + 300);
    ASSERT_EQ(mail_.received.size(), 1u);
    EXPECT_EQ(mail_.received.front().id, id);
    EXPECT_EQ(mail_.received.front().kind, "write");
}

TEST_F(DeliveryPipeline, SilencedAlertsAreRecordedMarkedAndCountedButNotDelivered) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    SilenceRow s;
    s.org = "RW1";
    s.until_at = t0 + 3600;
    s.comment = "trust confirmed the fix; known noise";
    s.created_at = t0;
    const auto sid = deliveries_->add_silence(s);
    const auto silenced = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0);
    const auto other = add_write_alert("NTV21", Reason::unknown_writer, Severity::urgent, t0);
    const auto r = ob->deliver_due(t0);
    EXPECT_EQ(r.silenced, 1);
    EXPECT_EQ(received_by(mail_, silenced), 0);
    EXPECT_EQ(received_by(task_, silenced), 0);
    EXPECT_EQ(received_by(mail_, other), 1) << "another organisation is not silenced";
    EXPECT_EQ(state_of(silenced), "silenced");
    EXPECT_EQ(deliveries_->list_silences().front().matched, 1);
    EXPECT_EQ(deliveries_->status(t0).alerts_silenced, 1);

    // After the silence ends (or is expired by hand), the same organisation alerts again.
    EXPECT_TRUE(deliveries_->expire_silence(sid, t0 + 60));
    EXPECT_FALSE(deliveries_->expire_silence(sid, t0 + 61)) << "already expired";
    const auto after = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0 + 120);
    ob->deliver_due(t0 + 120);
    EXPECT_EQ(received_by(mail_, after), 1);
    EXPECT_EQ(state_of(silenced), "silenced") << "what was silenced stays silenced";
}

TEST_F(DeliveryPipeline, SilenceByReasonEndsAtItsTime) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    SilenceRow s;
    s.reason = "unknown_writer";
    s.until_at = t0 + 600;
    s.comment = "new pharmacy being added to the settings";
    s.created_at = t0;
    deliveries_->add_silence(s);
    const auto during = add_write_alert("FQW30", Reason::unknown_writer, Severity::high, t0 + 599);
    ob->deliver_due(t0 + 599);
    const auto after = add_write_alert("FQW31", Reason::unknown_writer, Severity::high, t0 + 600);
    ob->deliver_due(t0 + 600);
    EXPECT_EQ(state_of(during), "silenced");
    EXPECT_EQ(received_by(mail_, after), 1) << "a silence ends at its until time";
}

TEST_F(DeliveryPipeline, BackoffRetriesOnlyTheFailingSinkAndDeliversOnceEach) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    task_.mode = RecordingSink::Mode::down;
    const auto id = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0);
    auto r = ob->deliver_due(t0);
    EXPECT_EQ(r.delivered, 1);
    EXPECT_EQ(r.retried, 1);
    EXPECT_EQ(state_of(id), "pending") << "pending while one sink still owes it";
    auto next = ob->next_due();
    EXPECT_GE(next, t0 + 2);
    EXPECT_LE(next, t0 + 5);
    EXPECT_EQ(ob->deliver_due(next - 1).retried, 0) << "nothing is tried before its backoff ends";
    // Second failure: the wait doubles (5..10 s).
    ob->deliver_due(next);
    auto second = ob->next_due();
    EXPECT_GE(second - next, 5);
    EXPECT_LE(second - next, 10);
    task_.mode = RecordingSink::Mode::up;
    ob->deliver_due(second);
    EXPECT_EQ(received_by(mail_, id), 1) << "the working sink is not sent it again";
    EXPECT_EQ(received_by(task_, id), 1);
    EXPECT_EQ(state_of(id), "delivered");
    EXPECT_EQ(ob->next_due(), 0);
}

TEST_F(DeliveryPipeline, PermanentFailureStopsThatSinkAndRaisesOneInternalAlert) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    task_.mode = RecordingSink::Mode::rejects;
    const auto id = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0);
    const auto r = ob->deliver_due(t0);
    EXPECT_EQ(r.failed, 1);
    EXPECT_EQ(received_by(mail_, id), 1) << "the other sink of its route still has it";
    EXPECT_EQ(state_of(id), "failed");
    const int task_calls = task_.calls;
    ob->deliver_due(t0 + 7200);
    EXPECT_EQ(task_.calls, task_calls) << "a permanent failure is never retried";

    // The internal alert went out (to the default sink) in the same round, naming the sink.
    std::vector<Alert> internal;
    for (const auto& a : mail_.received)
        if (a.kind == "internal") internal.push_back(a);
    ASSERT_EQ(internal.size(), 1u);
    EXPECT_EQ(internal.front().rule, "delivery_failed");
    EXPECT_NE(internal.front().body.find("task"), std::string::npos);
    EXPECT_NE(internal.front().body.find("550"), std::string::npos);
}

TEST_F(DeliveryPipeline, LongOutageEndsWithOneDigestNotAFlood) {
    auto d = two_sinks();
    d.backlog_digest_after = 3600s;
    d.backlog_digest_min = 3;
    auto ob = outbox(d);
    const auto t0 = at(kMonday, 9h);
    mail_.mode = RecordingSink::Mode::down;
    std::vector<std::int64_t> ids;
    std::int64_t now = t0;
    // Alerts keep arriving for three hours while the mail server is down; the outbox retries.
    for (int i = 0; i < 6; ++i) {
        ids.push_back(add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, now));
        ob->deliver_due(now);
        now += 1800;
        while (auto next = ob->next_due()) {
            if (next > now) break;
            ob->deliver_due(next);
        }
    }
    EXPECT_TRUE(mail_.received.empty());
    mail_.mode = RecordingSink::Mode::up;
    // It comes back; at the next retry everything it owes goes: the first alert tried, then one
    // digest of the rest.
    const auto back = ob->next_due();
    ASSERT_GT(back, 0);
    const auto r = ob->deliver_due(back);
    EXPECT_EQ(r.digests, 1);
    ASSERT_EQ(mail_.received.size(), 2u) << "one alert and one digest, not a flood of " << ids.size();
    const auto& digest = mail_.received.back();
    EXPECT_EQ(digest.kind, "digest");
    EXPECT_EQ(digest.covers.size(), ids.size() - 1);
    std::set<std::int64_t> got{mail_.received.front().id};
    for (auto id : digest.covers) got.insert(id);
    EXPECT_EQ(got, std::set<std::int64_t>(ids.begin(), ids.end())) << "nothing lost";
    for (auto id : ids) EXPECT_EQ(state_of(id), "delivered");
    EXPECT_EQ(ob->next_due(), 0);
}

TEST_F(DeliveryPipeline, ShortOutageDeliversOneByOneAsSoonAsTheSinkIsBack) {
    auto d = two_sinks();
    d.backlog_digest_after = 3600s;
    auto ob = outbox(d);
    const auto t0 = at(kMonday, 9h);
    mail_.mode = RecordingSink::Mode::down;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, t0));
    ob->deliver_due(t0);
    mail_.mode = RecordingSink::Mode::up;
    ob->deliver_due(ob->next_due());
    EXPECT_EQ(mail_.received.size(), ids.size()) << "all four in the round the sink came back";
    for (auto id : ids) EXPECT_EQ(received_by(mail_, id), 1);
}

TEST_F(DeliveryPipeline, ARestartedOutboxNeitherLosesNorRepeats) {
    const auto t0 = at(kMonday, 10h);
    std::vector<std::int64_t> ids;
    {
        auto ob = outbox(two_sinks());
        task_.mode = RecordingSink::Mode::down;
        for (int i = 0; i < 3; ++i) ids.push_back(add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0));
        ob->deliver_due(t0);
    }
    // gpwatchd restarts: a new outbox on the same ledger.
    ledger_.reset();
    deliveries_.reset();
    internal_.reset();
    ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
    deliveries_ = std::make_unique<DeliveryLedger>(*ledger_);
    internal_ = std::make_unique<alerts::InternalAlerts>(*ledger_, "Test Practice (C84001)");
    task_.mode = RecordingSink::Mode::up;
    auto ob = outbox(two_sinks());
    ob->deliver_due(t0 + 3600);
    ob->deliver_due(t0 + 7200);
    for (auto id : ids) {
        EXPECT_EQ(received_by(mail_, id), 1) << id;
        EXPECT_EQ(carried_by(task_, id), 1) << id;
        EXPECT_EQ(state_of(id), "delivered");
    }
}

TEST_F(DeliveryPipeline, EscalationThreadsUnderTheFirstOverdueAlert) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    const auto first = add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, t0);
    const auto esc = add_alert_on_last_write(Reason::unreviewed_escalated, Severity::urgent, t0 + 60);
    ob->deliver_due(t0 + 60);
    ASSERT_EQ(received_by(mail_, esc), 1);
    for (const auto& a : mail_.received)
        if (a.id == esc) {
            EXPECT_NE(a.in_reply_to_alert.find(std::to_string(first)), std::string::npos);
        }
}
