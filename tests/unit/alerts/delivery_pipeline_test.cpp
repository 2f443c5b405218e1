// The delivery pipeline against a real ledger, with sinks that record what they receive and can
// be told to fail, and time passed in (an injected clock): routing to several sinks, quiet hours,
// digest windows, silences, backoff, permanent failure, a long outage ending in one digest, and
// exactly one delivery per (alert, sink) through restarts of the outbox.

#include <map>
#include <set>

#include <date/date.h>

#include "connectors/mail/rfc5322.hpp"
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
            s.type = SinkType::maildir;
            d.sinks.push_back(s);
        }
        d.routes.push_back(route_of({"urgent"}, {"mail", "task"}));
        d.routes.push_back(route_of({"info"}, {"mail"}, true));
        d.default_sinks = {"mail"};
        d.digest_window = 300s;
        return d;
    }
    // Both sinks, no routes (everything to mail), at most `limit` messages per sink in 10 minutes.
    DeliverySettings flood_limited(int limit) {
        auto d = two_sinks();
        d.routes.clear();
        d.flood_limit = limit;
        d.flood_window = 600s;
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

    // The Message-ID (without <>) alert `a` goes out under: it names the ledger (its identity)
    // too, so another ledger's alert `a` is another message.
    std::string message_id_of(std::int64_t a) {
        return "alert-" + std::to_string(a) + "." + ledger_->identity() + ".C84001@gpwatch.invalid";
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
    ob->deliver_due(t0);
    const auto esc = add_alert_on_last_write(Reason::unreviewed_escalated, Severity::urgent, t0 + 60);
    ob->deliver_due(t0 + 60);
    ASSERT_EQ(received_by(mail_, esc), 1);
    for (const auto& a : mail_.received)
        if (a.id == esc) {
            EXPECT_NE(a.in_reply_to_alert.find(std::to_string(first)), std::string::npos);
        }
}

TEST_F(DeliveryPipeline, EveryFollowUpThreadsUnderTheWritesFirstAlert) {
    auto ob = outbox(two_sinks());
    const auto t0 = at(kMonday, 10h);
    const auto first = add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0);
    const auto overdue = add_alert_on_last_write(Reason::unreviewed_overdue, Severity::high, t0 + 30);
    const auto esc = add_alert_on_last_write(Reason::unreviewed_escalated, Severity::urgent, t0 + 60);
    const auto other = add_write_alert("RY5", Reason::unknown_writer, Severity::high, t0 + 60);
    ob->deliver_due(t0 + 60);
    std::map<std::int64_t, std::string> parent;
    std::vector<std::int64_t> order;
    for (const auto& a : mail_.received) {
        parent[a.id] = a.in_reply_to_alert;
        order.push_back(a.id);
    }
    // All due at once: the urgent one goes first and starts the thread the others reply to, as
    // the inbox receives them.
    ASSERT_EQ(order.front(), esc);
    EXPECT_EQ(parent.at(esc), "") << "the first message about a write starts its thread";
    const auto id = [this](std::int64_t a) { return message_id_of(a); };
    EXPECT_EQ(parent.at(first), id(esc));
    // Delivered in the same second as both: either is in the thread already.
    EXPECT_TRUE(parent.at(overdue) == id(esc) || parent.at(overdue) == id(first)) << parent.at(overdue);
    EXPECT_EQ(parent.at(other), "") << "another write is another thread";
}

TEST_F(DeliveryPipeline, AFollowUpIsNoEscalationForRoutes) {
    auto d = two_sinks();
    RouteSettings esc;
    esc.escalation = EscalationMatch::only_escalations;
    esc.sinks = {"task"};
    d.routes = {esc};
    auto ob = outbox(d);
    const auto t0 = at(kMonday, 10h);
    add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0);
    const auto overdue = add_alert_on_last_write(Reason::unreviewed_overdue, Severity::high, t0);
    const auto escalated = add_alert_on_last_write(Reason::unreviewed_escalated, Severity::urgent, t0);
    ob->deliver_due(t0);
    EXPECT_EQ(received_by(task_, overdue), 0) << "threaded under the first alert, but not an escalation";
    EXPECT_EQ(received_by(task_, escalated), 1);
}

// The flood limit: at most flood_limit messages per sink within flood_window; what falls due
// beyond that goes as one digest listing each alert, and what falls due during the pause waits
// for the next one.
TEST_F(DeliveryPipeline, ABurstBeyondTheFloodLimitGoesAsOneDigestAndTheRestWaits) {
    auto ob = outbox(flood_limited(5));
    const auto t0 = at(kMonday, 10h);
    std::vector<std::int64_t> ids;
    // A catch-up: 40 alerts fall due at once.
    for (int i = 0; i < 40; ++i) ids.push_back(add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, t0));
    ids.push_back(add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0));
    auto r = ob->deliver_due(t0);
    EXPECT_TRUE(mail_.received.empty()) << "the burst is gathered for a few seconds first";
    EXPECT_EQ(r.held, 41);
    EXPECT_EQ(ob->next_due(), t0 + 10);
    r = ob->deliver_due(t0 + 10);
    ASSERT_EQ(mail_.received.size(), 1u) << "one digest, not 41 messages";
    const auto& digest = mail_.received.front();
    EXPECT_EQ(digest.kind, "digest");
    EXPECT_EQ(digest.covers.size(), ids.size());
    EXPECT_EQ(digest.covers.front(), ids.back()) << "the most severe first";
    EXPECT_NE(digest.subject.find("41 alerts at once (1 urgent, 40 high)"), std::string::npos) << digest.subject;
    EXPECT_EQ(digest.severity, Severity::urgent);
    for (auto id : ids) EXPECT_NE(digest.body.find("alert " + std::to_string(id) + ":"), std::string::npos) << id;
    EXPECT_NE(digest.body.find("      Patient:"), std::string::npos) << "each listed with its patient";
    for (auto id : ids) EXPECT_EQ(state_of(id), "delivered");

    // More keep coming during the pause: held, counted, not sent...
    std::vector<std::int64_t> later;
    for (int i = 0; i < 12; ++i) {
        later.push_back(add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0 + 20 + i));
        ob->deliver_due(t0 + 20 + i);
    }
    EXPECT_EQ(mail_.received.size(), 1u) << "what falls due in the pause waits";
    for (auto id : later) EXPECT_EQ(state_of(id), "pending");
    EXPECT_EQ(ob->next_due(), t0 + 610) << "the pause ends one flood window after the digest";
    // ... and go together when it ends (gathered first, as every burst).
    r = ob->deliver_due(t0 + 610);
    r = ob->deliver_due(t0 + 620);
    ASSERT_EQ(mail_.received.size(), 2u);
    EXPECT_EQ(mail_.received.back().covers, later);
    for (auto id : later) EXPECT_EQ(state_of(id), "delivered");
    EXPECT_EQ(ob->next_due(), 0);
}

TEST_F(DeliveryPipeline, UnderTheFloodLimitAlertsGoOneByOne) {
    auto ob = outbox(flood_limited(5));
    const auto t0 = at(kMonday, 10h);
    for (int i = 0; i < 5; ++i) {
        add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0 + i);
        ob->deliver_due(t0 + i);
    }
    ASSERT_EQ(mail_.received.size(), 5u);
    for (const auto& a : mail_.received) EXPECT_EQ(a.kind, "write");
    // The sixth within the window waits until the first of the five leaves it.
    const auto sixth = add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0 + 10);
    ob->deliver_due(t0 + 10);
    EXPECT_EQ(mail_.received.size(), 5u);
    EXPECT_EQ(ob->next_due(), t0 + 600);
    ob->deliver_due(t0 + 600);
    ASSERT_EQ(mail_.received.size(), 6u);
    EXPECT_EQ(mail_.received.back().id, sixth) << "alone when its turn comes: as itself";
    // Each sink has its own limit: the task sink was sent nothing and holds nothing.
    EXPECT_TRUE(task_.received.empty());
}

namespace {

// A lane that keeps what it is handed until the test answers it: a sink on a worker thread whose
// peer is slow, seen from the outbox.
class HeldLane : public alerts::DeliveryLane {
public:
    bool idle() const override { return !pending; }
    void submit(const Alert& alert, Done done) override {
        handed.push_back(alert.id);
        pending = std::move(done);
    }
    void answer(DeliveryResult r) {
        auto done = std::move(pending);
        pending = nullptr;
        done(r);
    }
    Done pending;
    std::vector<std::int64_t> handed;
};

}  // namespace

TEST_F(DeliveryPipeline, ASlowSinkHoldsOneDeliveryInFlightAndDelaysOnlyItself) {
    HeldLane slow;
    RecordingSink fast{"fast"};
    alerts::InlineLane fast_lane(fast);
    DeliverySettings d;
    for (const char* n : {"slow", "fast"}) {
        SinkSettings s;
        s.name = n;
        s.type = SinkType::maildir;
        d.sinks.push_back(s);
    }
    d.routes.push_back(route_of({}, {"slow", "fast"}));
    d.default_sinks = {"fast"};
    alerts::AlertOutbox ob(*ledger_, std::map<std::string, alerts::DeliveryLane*>{{"slow", &slow}, {"fast", &fast_lane}},
                           d, calendar_, "C84001", internal_.get());
    std::int64_t now = at(kMonday, 10h);
    int progress = 0;
    ob.set_hooks({[&] { ++progress; }, {}, [&] { return now; }});
    const auto a = add_write_alert("RT5", Reason::unknown_writer, Severity::high, now);
    const auto b = add_write_alert("RT5", Reason::unknown_writer, Severity::high, now);
    auto r = ob.deliver_due(now);
    EXPECT_EQ(r.dispatched, 3) << "both to the fast sink, one to the slow one";
    EXPECT_EQ(slow.handed, std::vector<std::int64_t>{a}) << "one in flight per sink";
    EXPECT_EQ(fast.received.size(), 2u) << "the fast sink is not held up by the slow one";
    EXPECT_EQ(ob.next_due(), 0) << "a busy lane's rows do not make the loop spin";
    ob.deliver_due(now);
    EXPECT_EQ(slow.handed.size(), 1u) << "nothing is handed twice while in flight";

    now += 30;  // the slow peer answers half a minute later
    slow.answer({true, false, ""});
    EXPECT_EQ(progress, 1) << "the result asks for another round";
    EXPECT_EQ(ob.next_due(), at(kMonday, 10h)) << "b is due for the slow sink";
    ob.deliver_due(now);
    EXPECT_EQ(slow.handed, (std::vector<std::int64_t>{a, b}));
    slow.answer({false, true, "timed out"});
    EXPECT_EQ(state_of(a), "delivered");
    EXPECT_EQ(state_of(b), "pending");
    const auto retry_at = ob.next_due();
    EXPECT_GE(retry_at, now + 2);
    EXPECT_LE(retry_at, now + 5);

    // Stopping: a result that comes back after is not recorded (the delivery stays pending and
    // goes after the restart).
    now = retry_at;
    ob.deliver_due(now);
    ASSERT_TRUE(slow.pending);
    ob.stop();
    slow.answer({true, false, ""});
    EXPECT_EQ(state_of(b), "pending");
}

namespace {

DeliverySettings one_held_sink(std::vector<RouteSettings> routes) {
    DeliverySettings d;
    SinkSettings s;
    s.name = "slow";
    s.type = SinkType::maildir;
    d.sinks.push_back(s);
    d.routes = std::move(routes);
    d.default_sinks = {"slow"};
    d.digest_window = 300s;
    return d;
}

}  // namespace

// A digest-route alert handed to a slow sink alone must not also be gathered into the digest of
// the next window while it is still in flight: the GP would get it twice.
TEST_F(DeliveryPipeline, AnAlertInFlightIsNeverAlsoGatheredIntoADigest) {
    HeldLane slow;
    alerts::AlertOutbox ob(*ledger_, std::map<std::string, alerts::DeliveryLane*>{{"slow", &slow}},
                           one_held_sink({route_of({"info"}, {"slow"}, true)}), calendar_, "C84001", internal_.get());
    std::int64_t now = at(kMonday, 10h);
    ob.set_hooks({[] {}, {}, [&] { return now; }});
    const auto x = add_write_alert("RT5", Reason::unknown_writer, Severity::info, now);
    ob.deliver_due(now);
    now += 300;
    ob.deliver_due(now);
    ASSERT_EQ(slow.handed, std::vector<std::int64_t>{x}) << "alone in its window: as itself";
    // While the slow peer thinks, another of the same group is raised, and its window ends.
    const auto y = add_write_alert("RT5", Reason::unknown_writer, Severity::info, now);
    ob.deliver_due(now);
    now += 300;
    ob.deliver_due(now);
    slow.answer({true, false, ""});
    ob.deliver_due(now);
    EXPECT_EQ(slow.handed, (std::vector<std::int64_t>{x, y})) << "y goes as itself; x is in no digest";
    slow.answer({true, false, ""});
    EXPECT_EQ(state_of(x), "delivered");
    EXPECT_EQ(state_of(y), "delivered");
}

TEST_F(DeliveryPipeline, TheMostSevereDueAlertGoesFirst) {
    HeldLane slow;
    alerts::AlertOutbox ob(*ledger_, std::map<std::string, alerts::DeliveryLane*>{{"slow", &slow}},
                           one_held_sink({}), calendar_, "C84001", internal_.get());
    const auto now = at(kMonday, 10h);
    ob.set_hooks({[] {}, {}, [&] { return now; }});
    const auto high1 = add_write_alert("RT5", Reason::unknown_writer, Severity::high, now);
    add_write_alert("RT5", Reason::unknown_writer, Severity::high, now);
    const auto urgent = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, now);
    ob.deliver_due(now);
    ASSERT_EQ(slow.handed, std::vector<std::int64_t>{urgent}) << "not behind the two high ones";
    slow.answer({true, false, ""});
    ob.deliver_due(now);
    EXPECT_EQ(slow.handed.back(), high1) << "then the oldest of the rest";
}

// After a flood digest, non-urgent alerts wait for the next one; an urgent alert still goes at
// once while the sink has room under the limit.
TEST_F(DeliveryPipeline, AnUrgentAlertDoesNotWaitOutAFloodPause) {
    auto ob = outbox(flood_limited(3));
    const auto t0 = at(kMonday, 10h);
    for (int i = 0; i < 10; ++i) add_write_alert("RT5", Reason::unreviewed_overdue, Severity::high, t0);
    ob->deliver_due(t0);
    ob->deliver_due(t0 + 10);
    ASSERT_EQ(mail_.received.size(), 1u);
    ASSERT_EQ(mail_.received.front().kind, "digest");
    const auto high = add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0 + 60);
    const auto urgent = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0 + 60);
    ob->deliver_due(t0 + 60);
    ASSERT_EQ(mail_.received.size(), 2u);
    EXPECT_EQ(mail_.received.back().id, urgent);
    EXPECT_EQ(state_of(high), "pending") << "the high one waits for the next digest";
    // The limit still holds for urgent ones: two more fill it (digest + 2), the third waits.
    const auto u2 = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0 + 70);
    const auto u3 = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0 + 80);
    ob->deliver_due(t0 + 70);
    ob->deliver_due(t0 + 80);
    EXPECT_EQ(state_of(u2), "delivered");
    EXPECT_EQ(state_of(u3), "pending");
}

// A write whose first alert reached the inbox inside a flood digest: its follow-up replies to the
// digest (the message the inbox holds), and References names both.
TEST_F(DeliveryPipeline, AFollowUpRepliesToTheDigestThatCarriedItsFirstAlert) {
    auto ob = outbox(flood_limited(2));
    const auto t0 = at(kMonday, 10h);
    add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0);
    add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0);
    const auto first = add_write_alert("RT5", Reason::unknown_writer, Severity::high, t0);
    ob->deliver_due(t0);
    ob->deliver_due(t0 + 10);
    ASSERT_EQ(mail_.received.size(), 1u);
    const auto digest = mail_.received.front().id;
    const auto overdue = add_alert_on_last_write(Reason::unreviewed_overdue, Severity::high, t0 + 700);
    ob->deliver_due(t0 + 700);
    ASSERT_EQ(mail_.received.size(), 2u);
    const auto& f = mail_.received.back();
    ASSERT_EQ(f.id, overdue);
    const auto id = [this](std::int64_t a) { return message_id_of(a); };
    EXPECT_EQ(f.in_reply_to_alert, id(first));
    EXPECT_EQ(f.reply_carrier, id(digest));
    const auto message = mail::format_message(f, {"gpwatch@example.org", "duty@example.org", "C84001"});
    EXPECT_NE(message.find("In-Reply-To: <" + id(digest) + ">\r\n"), std::string::npos) << message;
    EXPECT_NE(message.find("References: <" + id(first) + "> <" + id(digest) + ">\r\n"),
              std::string::npos)
        << message;
}
