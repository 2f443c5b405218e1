// Routing is pure: settings and an alert in, sink choices out.

#include "daemon/alerts/alert_router.hpp"

#include <gtest/gtest.h>

using namespace gpwatch;
using namespace gpwatch::alerts;

namespace {

DeliverySettings settings() {
    DeliverySettings d;
    RouteSettings urgent;
    urgent.severities = {"urgent"};
    urgent.sinks = {"smtp", "task"};
    RouteSettings info;
    info.severities = {"info"};
    info.sinks = {"smtp"};
    info.digest = true;
    RouteSettings internal;
    internal.kinds = {"internal"};
    internal.sinks = {"webhook"};
    RouteSettings drift;
    drift.reasons = {"processor_drift"};
    drift.sinks = {"smtp"};
    drift.digest = true;
    d.routes = {urgent, info, internal, drift};
    d.default_sinks = {"smtp"};
    return d;
}

Alert alert(Reason r, Severity s, std::string kind = "write", std::string rule = "") {
    Alert a;
    a.reason = r;
    a.severity = s;
    a.kind = std::move(kind);
    a.rule = std::move(rule);
    return a;
}

}  // namespace

TEST(AlertRouter, UrgentGoesToEverySinkOfItsRoute) {
    auto c = route(settings(), alert(Reason::unauthorised_write, Severity::urgent));
    EXPECT_EQ(c, (std::vector<SinkChoice>{{"smtp", false}, {"task", false}}));
}

TEST(AlertRouter, InfoGoesToADigest) {
    auto c = route(settings(), alert(Reason::review_tracked, Severity::info));
    EXPECT_EQ(c, (std::vector<SinkChoice>{{"smtp", true}}));
}

TEST(AlertRouter, AtOnceWinsOverDigestForTheSameSink) {
    auto c = route(settings(), alert(Reason::processor_drift, Severity::urgent));
    EXPECT_EQ(c, (std::vector<SinkChoice>{{"smtp", false}, {"task", false}}));
}

TEST(AlertRouter, InternalAlertsMatchByKindAndByCondition) {
    auto d = settings();
    auto c = route(d, alert(Reason::unknown_writer, Severity::high, "internal", "disk_nearly_full"));
    EXPECT_EQ(c, (std::vector<SinkChoice>{{"webhook", false}}));
    EXPECT_EQ(reason_word(alert(Reason::unknown_writer, Severity::high, "internal", "disk_nearly_full")),
              "disk_nearly_full");
    RouteSettings by_condition;
    by_condition.reasons = {"feed_disconnected"};
    by_condition.sinks = {"task"};
    d.routes = {by_condition};
    EXPECT_EQ(route(d, alert(Reason::unknown_writer, Severity::high, "internal", "feed_disconnected")),
              (std::vector<SinkChoice>{{"task", false}}));
    EXPECT_EQ(route(d, alert(Reason::unknown_writer, Severity::high, "internal", "disk_nearly_full")),
              (std::vector<SinkChoice>{{"smtp", false}}))
        << "no route matches: the default sinks";
}

TEST(AlertRouter, NoRouteMatchesGivesTheDefaultSinks) {
    auto c = route(settings(), alert(Reason::unreviewed_overdue, Severity::high));
    EXPECT_EQ(c, (std::vector<SinkChoice>{{"smtp", false}}));
}

TEST(AlertRouter, EscalationAndRuleConditions) {
    DeliverySettings d;
    RouteSettings esc;
    esc.escalation = EscalationMatch::only_escalations;
    esc.sinks = {"task"};
    RouteSettings rule;
    rule.rules = {"safeguarding"};
    rule.sinks = {"webhook"};
    d.routes = {esc, rule};
    d.default_sinks = {"smtp"};
    EXPECT_EQ(route(d, alert(Reason::unreviewed_escalated, Severity::urgent)),
              (std::vector<SinkChoice>{{"task", false}}));
    EXPECT_EQ(route(d, alert(Reason::content_rule, Severity::urgent, "write", "safeguarding")),
              (std::vector<SinkChoice>{{"webhook", false}}));
    EXPECT_EQ(route(d, alert(Reason::content_rule, Severity::urgent, "write", "pregnancy")),
              (std::vector<SinkChoice>{{"smtp", false}}));
}
